using System.Diagnostics;
using System.Text;

namespace Mesh.Functional.Tests;

/// <summary>Runs a built sample as its own process, bounded in time, and collects its output.</summary>
internal static class NodeProcess
{
    /// <summary>Runs <paramref name="path"/> (a built entry assembly, see <see cref="SampleAssembly"/>).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string path, string arguments, TimeSpan bound)
    {
        var assembly = Path.GetFileName(path);
        Assert.True(File.Exists(path), $"{path} was not built");
        var start = new ProcessStartInfo("dotnet", $"\"{path}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{assembly} {arguments} did not end within {bound}: {await stdout}{await stderr}");
        }

        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }
}
