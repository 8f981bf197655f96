using System.Text.Json;

namespace Mesh.Functional.Tests;

/// <summary>Runs the load driver's short mode once, so it cannot rot. Measures nothing: numbers are not asserted.</summary>
public sealed class LoadDriverSmokeTests
{
    [Fact]
    public async Task LoadDriver_ShortModeAllPeers_EveryRowMeasuredWithoutErrors()
    {
        var (exitCode, output) = await NodeProcess.RunAsync(SampleAssembly.Path("tests", "Mesh.LoadDriver"), "--short --json", TimeSpan.FromMinutes(3));

        Assert.True(exitCode == 0, output);
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last(l => l.StartsWith('['));
        using var rows = JsonDocument.Parse(last);
        Assert.Equal(12, rows.RootElement.GetArrayLength());
        foreach (var row in rows.RootElement.EnumerateArray())
        {
            Assert.True(row.GetProperty("calls").GetInt64() > 0, row.ToString());
            Assert.Equal(0, row.GetProperty("errors").GetInt64());
            Assert.True(row.GetProperty("cpuUsPerCall").GetDouble() > 0, row.ToString());
        }

        Assert.Contains("Mesh/orleans", output, StringComparison.Ordinal);
        Assert.Contains("Mesh/grpc", output, StringComparison.Ordinal);
        Assert.Contains("Mesh/floor", output, StringComparison.Ordinal);
    }
}
