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
        using var server = StartDriverServer();
        var pid = 0;
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync().WaitAsync(Bound);
            Assert.StartsWith("READY ", ready, StringComparison.Ordinal);

            // "READY <address> <pid>": the server names its own process (the one to freeze), whatever launched it.
            var fields = ready!.Split(' ');
            pid = int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddMesh(o =>
                {
                    o.NodeId = "frozen-test-client";
                    o.AllowPlaintext = true;
                    o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                    o.HeartbeatTimeout = TimeSpan.FromMilliseconds(1500);
                    o.HandshakeTimeout = TimeSpan.FromSeconds(1);
                    o.ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500);
                    o.DefaultDeadline = TimeSpan.FromMinutes(5);
                })
                .UseStaticPeers(fields[1])
                .AddClient<IPingService>();
            using var client = builder.Build();
            await client.StartAsync().WaitAsync(Bound);
            var node = client.Services.GetRequiredService<IMeshNode>();
            var serviceName = MeshServiceRegistry.Get<IPingService>().Name;
            await node.WaitForPeersAsync(serviceName, 1, CancellationToken.None).WaitAsync(Bound);
            var ping = client.Services.GetRequiredService<IPingService>();
            Assert.Equal(2, await ping.Ping(1).AsTask().WaitAsync(Bound));

            await SignalAsync("STOP", pid);
            await WaitForStateAsync(pid, stopped: true);
            var ex = await Assert.ThrowsAsync<PeerUnavailableException>(() => ping.Ping(2).AsTask().WaitAsync(Bound));
            Assert.Contains("HeartbeatTimeout", ex.InnerException?.Message ?? string.Empty, StringComparison.Ordinal);

            await SignalAsync("CONT", pid);
            await WaitForStateAsync(pid, stopped: false);
            await node.WaitForPeersAsync(serviceName, 1, CancellationToken.None).WaitAsync(Bound);
            Assert.Equal(4, await ping.Ping(3).AsTask().WaitAsync(Bound));
            await client.StopAsync().WaitAsync(Bound);
        }
        finally
        {
            if (pid != 0)
            {
                // Never leave a frozen process behind, whatever failed above (it may have exited: no check).
                await SignalAsync("CONT", pid, check: false);
            }

            server.StandardInput.Close();
            if (!server.WaitForExit(10_000))
            {
                server.Kill(entireProcessTree: true);
                server.WaitForExit();
            }
        }
    }

    [Fact]
    public async Task Links_ServerProcessFrozenLongerThanItsHeartbeatTimeout_ItBlamesItselfAndKeepsItsLinks()
    {
        using var server = StartDriverServer();
        var pid = 0;
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync().WaitAsync(Bound);
            Assert.StartsWith("READY ", ready, StringComparison.Ordinal);
            var fields = ready!.Split(' ');
            pid = int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);

            // The server keeps the defaults (timeout 5 s); this client waits far longer, and pings every 200 ms.
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddMesh(o =>
                {
                    o.NodeId = "lag-test-client";
                    o.AllowPlaintext = true;
                    o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                    o.HeartbeatTimeout = TimeSpan.FromSeconds(60);
                    o.DefaultDeadline = TimeSpan.FromMinutes(1);
                })
                .UseStaticPeers(fields[1])
                .AddClient<IPingService>();
            using var client = builder.Build();
            await client.StartAsync().WaitAsync(Bound);
            var node = client.Services.GetRequiredService<IMeshNode>();
            await node.WaitForPeersAsync(MeshServiceRegistry.Get<IPingService>().Name, 1, CancellationToken.None).WaitAsync(Bound);
            var ping = client.Services.GetRequiredService<IPingService>();
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(i + 1, await ping.Ping(i).AsTask().WaitAsync(Bound));
            }

            // Frozen for 7 s: past the server's own 5 s timeout, with the client's pings waiting unread in its socket.
            // Thawed, the server measures its own lag before it judges the link, reads the pings, and keeps the link;
            // had it blamed the client, the link would be re-made and its statistics start again from 0 calls.
            await SignalAsync("STOP", pid);
            await WaitForStateAsync(pid, stopped: true);
            var frozen = Stopwatch.StartNew();
            using (var freeze = new PeriodicTimer(TimeSpan.FromMilliseconds(100)))
            {
                while (frozen.Elapsed < TimeSpan.FromSeconds(7))
                {
                    await freeze.WaitForNextTickAsync();
                }
            }

            await SignalAsync("CONT", pid);
            await WaitForStateAsync(pid, stopped: false);
            Assert.Equal(6, await ping.Ping(5).AsTask().WaitAsync(Bound));
            var statistics = Assert.Single(node.GetPeerStatistics());
            Assert.Equal(6, statistics.Answered);
            await client.StopAsync().WaitAsync(Bound);
        }
        finally
        {
            if (pid != 0)
            {
                await SignalAsync("CONT", pid, check: false);
            }

            server.StandardInput.Close();
            if (!server.WaitForExit(10_000))
            {
                server.Kill(entireProcessTree: true);
                server.WaitForExit();
            }
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
