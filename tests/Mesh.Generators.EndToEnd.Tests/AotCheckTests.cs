using System.Diagnostics;
using System.Reflection;

namespace Mesh.Generators.EndToEnd.Tests;

/// <summary>
/// Runs the AOT/trim check program (built with the trimming and AOT analyzers over its generated code) as
/// its own process: a server and a client node on 127.0.0.1 that call every method of its services.
/// </summary>
public sealed class AotCheckTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AotCheckProgram_Run_AllCallsAnswered()
    {
        var path = typeof(AotCheckTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "AotCheckAssembly").Value!;
        Assert.True(File.Exists(path), $"{path} was not built with the tests");
        var start = new ProcessStartInfo("dotnet", $"\"{path}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"The AOT check did not end within {Bound}: {await stdout}{await stderr}");
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("aot-check: all calls answered correctly", output, StringComparison.Ordinal);
    }
}
