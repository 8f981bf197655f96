using System.Diagnostics;
using System.Text;

namespace Mesh.RollingUpdate.Tests;

/// <summary>A rolling-update node in <c>serve</c> mode, in its own process: it runs until its stdin closes.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private ServerProcess(Process process, string endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    /// <summary>Where the node listens: <c>127.0.0.1:port</c>.</summary>
    public string EndPoint { get; }

    public static async Task<ServerProcess> StartAsync(string version)
    {
        var process = Process.Start(new ProcessStartInfo("dotnet", $"\"{NodeVersion.Path(version)}\" serve")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            using var timeout = new CancellationTokenSource(RollingUpdateFixture.Bound);
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("LISTEN ", StringComparison.Ordinal))
                {
                    return new ServerProcess(process, line["LISTEN ".Length..]);
                }
            }

            throw new InvalidOperationException($"The {version} server ended before listening: {await process.StandardError.ReadToEndAsync()}");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Closes the node's stdin (it stops) and waits for it; kills it if it does not end in time.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(RollingUpdateFixture.Bound);
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
