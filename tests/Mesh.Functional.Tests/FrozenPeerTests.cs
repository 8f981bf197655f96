using System.Diagnostics;
using Mesh.Invocation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Functional.Tests;

/// <summary>A real frozen process: the server is stopped with SIGSTOP while the client calls it.</summary>
public sealed class FrozenPeerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Ping_ServerProcessSigstopped_FailsAsPeerUnavailableThenReconnectsAfterSigcont()
    {
        await using var server = await DriverServer.StartAsync();
        using var client = await StartClientAsync(server.Address, o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
            o.HeartbeatTimeout = TimeSpan.FromMilliseconds(1500);
            o.HandshakeTimeout = TimeSpan.FromSeconds(1);
            o.ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500);
            o.DefaultDeadline = TimeSpan.FromMinutes(5);
        });
        var node = client.Services.GetRequiredService<IMeshNode>();
        var ping = client.Services.GetRequiredService<IPingService>();
        Assert.Equal(2, await ping.Ping(1).AsTask().WaitAsync(Bound));

        await server.FreezeAsync();
        var ex = await Assert.ThrowsAsync<PeerUnavailableException>(() => ping.Ping(2).AsTask().WaitAsync(Bound));
        Assert.Contains("HeartbeatTimeout", ex.InnerException?.Message ?? string.Empty, StringComparison.Ordinal);

        await server.ThawAsync();
        await node.WaitForPeersAsync(MeshServiceRegistry.Get<IPingService>().Name, 1, CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(4, await ping.Ping(3).AsTask().WaitAsync(Bound));
        await client.StopAsync().WaitAsync(Bound);
    }

    [Fact]
    public async Task Links_ServerProcessFrozenLongerThanItsHeartbeatTimeout_ItBlamesItselfAndKeepsItsLinks()
    {
        // The server keeps the defaults (timeout 5 s); this client waits far longer, and pings every 200 ms.
        await using var server = await DriverServer.StartAsync();
        using var client = await StartClientAsync(server.Address, o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
            o.HeartbeatTimeout = TimeSpan.FromSeconds(60);
            o.DefaultDeadline = TimeSpan.FromMinutes(1);
        });
        var node = client.Services.GetRequiredService<IMeshNode>();
        var ping = client.Services.GetRequiredService<IPingService>();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i + 1, await ping.Ping(i).AsTask().WaitAsync(Bound));
        }

        // Frozen for 7 s: past the server's own 5 s timeout, with the client's pings waiting unread in its socket.
        // Thawed, the server measures its own lag before it judges the link, reads the pings, and keeps the link;
        // had it blamed the client, the link would be re-made and its statistics start again from 0 calls.
        await server.FreezeAsync();
        await Task.Delay(TimeSpan.FromSeconds(7));
        await server.ThawAsync();
        Assert.Equal(6, await ping.Ping(5).AsTask().WaitAsync(Bound));
        var statistics = Assert.Single(node.GetPeerStatistics());
        Assert.Equal(6, statistics.Answered);
        await client.StopAsync().WaitAsync(Bound);
    }

    /// <summary>A client node linked to the driver's server at <paramref name="address"/>, started and linked.</summary>
    private static async Task<IHost> StartClientAsync(string address, Action<MeshOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddMesh(o =>
            {
                o.NodeId = "frozen-test-client";
                o.AllowPlaintext = true;
                configure(o);
            })
            .UseStaticPeers(address)
            .AddClient<IPingService>();
        var client = builder.Build();
        await client.StartAsync().WaitAsync(Bound);
        await client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(MeshServiceRegistry.Get<IPingService>().Name, 1, CancellationToken.None).WaitAsync(Bound);
        return client;
    }

    /// <summary>
    /// The load driver's Mesh server in a process of its own, to freeze (SIGSTOP) and thaw (SIGCONT); disposing it thaws
    /// it whatever failed, then stops it (or kills it).
    /// </summary>
    private sealed class DriverServer : IAsyncDisposable
    {
        private readonly Process _process;
        private int _pid;

        private DriverServer(Process process) => _process = process;

        public string Address { get; private set; } = string.Empty;

        public static async Task<DriverServer> StartAsync()
        {
            var server = new DriverServer(StartDriverServer());
            try
            {
                var ready = await server._process.StandardOutput.ReadLineAsync().WaitAsync(Bound);
                Assert.StartsWith("READY ", ready, StringComparison.Ordinal);

                // "READY <address> <pid>": the server names its own process (the one to freeze), whatever launched it.
                var fields = ready!.Split(' ');
                server.Address = fields[1];
                server._pid = int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
                return server;
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }

        public async Task FreezeAsync()
        {
            await SignalAsync("STOP", _pid);
            await WaitForStateAsync(_pid, stopped: true);
        }

        public async Task ThawAsync()
        {
            await SignalAsync("CONT", _pid);
            await WaitForStateAsync(_pid, stopped: false);
        }

        public async ValueTask DisposeAsync()
        {
            if (_pid != 0)
            {
                // Never leave a frozen process behind, whatever failed (it may have exited: no check).
                await SignalAsync("CONT", _pid, check: false);
            }

            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }

    private static Process StartDriverServer()
    {
        var path = SampleAssembly.Path("tests", "Mesh.LoadDriver");
        Assert.True(File.Exists(path), $"{path} was not built");
        var start = new ProcessStartInfo("dotnet", $"\"{path}\" server mesh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start)!;
    }

    private static async Task SignalAsync(string signal, int pid, bool check = true)
    {
        var start = new ProcessStartInfo("kill", $"-{signal} {pid}")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        };
        using var kill = Process.Start(start)!;
        var error = await kill.StandardError.ReadToEndAsync().WaitAsync(Bound);
        await kill.WaitForExitAsync().WaitAsync(Bound);
        Assert.True(!check || kill.ExitCode == 0, $"kill -{signal} {pid} exited with {kill.ExitCode}: {error}");
    }

    /// <summary>
    /// Waits until every thread of the process is in (or out of) the stopped state, as the kernel reports it in
    /// /proc: a signal is delivered asynchronously, so the call that must meet a frozen server waits for it.
    /// </summary>
    private static async Task WaitForStateAsync(int pid, bool stopped)
    {
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while (true)
        {
            var states = ThreadStates(pid);
            var frozen = states.Length > 0 && states.All(s => s is 'T' or 't');
            var running = states.Length > 0 && !states.Contains('T', StringComparison.Ordinal);
            if (stopped ? frozen : running)
            {
                return;
            }

            Assert.True(
                Stopwatch.GetElapsedTime(started) < Bound,
                $"Process {pid} did not become {(stopped ? "stopped" : "running")} within {Bound}; thread states: '{states}'.");
            await timer.WaitForNextTickAsync();
        }
    }

    /// <summary>The state letter of each thread of <paramref name="pid"/> (field 3 of /proc/pid/task/tid/stat).</summary>
    private static string ThreadStates(int pid)
    {
        var states = new System.Text.StringBuilder();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                // "tid (comm) S ...": the command may hold spaces or parentheses, so read after the last ')'.
                states.Append(stat[(stat.LastIndexOf(')') + 2)]);
            }
            catch (IOException)
            {
                // The thread exited between listing and reading.
            }
        }

        return states.ToString();
    }
}

/// <summary>The load driver's Mesh contract, declared here with the same wire name and signature.</summary>
[BalancedService(Name = "loaddriver.ping")]
public interface IPingService
{
    ValueTask<int> Ping(int value);
}
