using System.Diagnostics;

namespace Mesh.RollingUpdate.Tests;

/// <summary>Runs a rolling-update node in <c>call</c> mode against a server and collects one outcome per case.</summary>
internal static class CallerProcess
{
    public static async Task<IReadOnlyDictionary<string, CaseOutcome>> RunAsync(string version, string server)
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", $"\"{NodeVersion.Path(version)}\" call {server}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RollingUpdateFixture.Bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"The {version} caller did not end within {RollingUpdateFixture.Bound}: {await stdout}{await stderr}");
        }

        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The {version} caller exited with {process.ExitCode}: {output}{await stderr}");
        }

        var outcomes = new Dictionary<string, CaseOutcome>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('\t');
            outcomes[fields[0]] = fields[1] == "OK"
                ? new CaseOutcome(fields[2], null, null)
                : new CaseOutcome(null, fields[2], fields[3]);
        }

        return outcomes;
    }
}

/// <summary>What one call returned (<see cref="Result"/>) or the exception it ended with.</summary>
internal sealed record CaseOutcome(string? Result, string? ErrorType, string? ErrorMessage);
