using System.Diagnostics;
using System.Text;

namespace Mesh.Balancing.Driver;

/// <summary>This driver started again as a child process (server or client), its output captured.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private ChildProcess(Process process) => _process = process;

    public static ChildProcess Start(string arguments)
    {
        var self = typeof(ChildProcess).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", $"\"{self}\" {arguments}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var child = new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start '{arguments}'"));
        child._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._gate)
                {
                    child._stderr.AppendLine(e.Data);
                }
            }
        };
        child._process.BeginErrorReadLine();
        return child;
    }

    public string Errors
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Reads output lines until one starts with <paramref name="prefix"/>; returns the rest of it.</summary>
    public async Task<string> ReadUntilAsync(string prefix, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        while (await _process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..].Trim();
            }
        }

        throw new InvalidOperationException($"the child process ended without printing '{prefix}': {Errors}");
    }

    /// <summary>Reads the last non-empty output line once the process has exited.</summary>
    public async Task<string> LastLineAsync(TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        var output = await _process.StandardOutput.ReadToEndAsync(timeout.Token).ConfigureAwait(false);
        await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"the child process printed nothing: {Errors}");
    }

    /// <summary>Asks a server to drain and stop; kills it if it has not ended within <paramref name="bound"/>.</summary>
    public async Task StopAsync(TimeSpan bound)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("stop").ConfigureAwait(false);
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(bound);
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            Kill();
        }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
