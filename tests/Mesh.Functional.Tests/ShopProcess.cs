using System.Collections.Concurrent;
using System.Diagnostics;

namespace Mesh.Functional.Tests;

/// <summary>One back-end node of the shop sample, run as its own process on its own loopback address.</summary>
internal sealed class ShopProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _lines = new(0);

    private ShopProcess(string nodeId, string address, Process process)
    {
        NodeId = nodeId;
        Address = address;
        _process = process;
    }

    public string NodeId { get; }

    public string Address { get; }

    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>The lines the process has written so far.</summary>
    public IReadOnlyList<string> Lines => [.. _output];

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static Task<ShopProcess> StartAsync(string nodeId, string address, string kubeConfig, string service, TimeSpan bound)
        => StartAsync(nodeId, address, bound, $"--Shop:DiscoveryService={service}", $"--Shop:KubeConfig={kubeConfig}");

    /// <summary>Starts a back-end with <paramref name="extraArguments"/> (discovery, telemetry, ...).</summary>
    public static async Task<ShopProcess> StartAsync(string nodeId, string address, TimeSpan bound, params string[] extraArguments)
    {
        var path = SampleAssembly.Path("Shop");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            path, "--Shop:Role=backend",
            $"--Mesh:NodeId={nodeId}", $"--Mesh:ListenEndpoint={address}:7800", "--Mesh:ShutdownGracePeriod=00:00:10", "--Mesh:AllowPlaintext=true",
            "--urls", $"http://{address}:8080", "--Logging:LogLevel:Default=Warning",
        }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        var shop = new ShopProcess(nodeId, address, Process.Start(start)!);
        shop._process.OutputDataReceived += (_, e) => shop.OnLine(e.Data);
        shop._process.ErrorDataReceived += (_, e) => shop.OnLine(e.Data);
        shop._process.BeginOutputReadLine();
        shop._process.BeginErrorReadLine();
        try
        {
            await shop._ready.Task.WaitAsync(bound);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            await shop.DisposeAsync();
            throw new InvalidOperationException($"{nodeId} did not start: {shop.Output}", ex);
        }

        return shop;
    }

    /// <summary>Sends SIGTERM, as the kubelet does when a Pod is deleted.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits until the process writes another line (or <paramref name="bound"/> passes).</summary>
    public Task WaitForLineAsync(TimeSpan bound) => _lines.WaitAsync(bound);

    public Task WaitForExitAsync(TimeSpan bound) => _process.WaitForExitAsync().WaitAsync(bound);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _lines.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _ready.TrySetException(new InvalidOperationException("the process exited"));
            return;
        }

        _output.Enqueue(line);
        _lines.Release();
        if (line.Contains(" ready: ", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }
}
