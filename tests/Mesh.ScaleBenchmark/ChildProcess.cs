using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Mesh.ScaleBenchmark;

/// <summary>This benchmark started again as a child process (inside the network namespace when there is one), its output read line by line.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static ChildProcess Start(NetworkNamespace? ns, string arguments)
    {
        var self = typeof(ChildProcess).Assembly.Location;
        var start = ns is null
            ? new ProcessStartInfo("dotnet", $"\"{self}\" {arguments}")
            : new ProcessStartInfo("ip", $"netns exec {ns.Name} dotnet \"{self}\" {arguments}");
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var child = new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start '{arguments}'"));
        child._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.Writer.TryComplete();
            }
            else
            {
                child._lines.Writer.TryWrite(e.Data);
            }
        };
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
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    private string Errors
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Reads lines until one starts with one of <paramref name="prefixes"/>; returns that prefix and the rest of the line.</summary>
    public async Task<(string Prefix, string Text)> ReadUntilAsync(TimeSpan bound, params string[] prefixes)
    {
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    foreach (var prefix in prefixes)
                    {
                        if (line.StartsWith(prefix + " ", StringComparison.Ordinal) || line == prefix)
                        {
                            return (prefix, line[prefix.Length..].Trim());
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"child {Id} printed none of {string.Join('/', prefixes)} within {bound.TotalSeconds:0} s: {Errors}");
        }

        throw new InvalidOperationException($"child {Id} ended without printing {string.Join('/', prefixes)}: {Errors}");
    }

    public void Send(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
    }

    /// <summary>Asks the child to stop; kills it if it has not ended within <paramref name="bound"/>.</summary>
    public async Task StopAsync(TimeSpan bound)
    {
        try
        {
            Send("stop");
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
                _process.WaitForExit(5000);
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
