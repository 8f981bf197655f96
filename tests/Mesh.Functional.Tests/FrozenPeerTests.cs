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
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync().WaitAsync(Bound);
            Assert.StartsWith("READY ", ready, StringComparison.Ordinal);
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddMesh(o =>
                {
                    o.NodeId = "frozen-test-client";
                    o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                    o.HeartbeatTimeout = TimeSpan.FromMilliseconds(1500);
                    o.HandshakeTimeout = TimeSpan.FromSeconds(1);
                    o.ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500);
                    o.DefaultDeadline = TimeSpan.FromMinutes(5);
                })
                .UseStaticPeers(ready!["READY ".Length..])
                .AddClient<IPingService>();
            using var client = builder.Build();
            await client.StartAsync().WaitAsync(Bound);
            var node = client.Services.GetRequiredService<IMeshNode>();
            var serviceName = MeshServiceRegistry.Get<IPingService>().Name;
            await node.WaitForPeersAsync(serviceName, 1, CancellationToken.None).WaitAsync(Bound);
            var ping = client.Services.GetRequiredService<IPingService>();
            Assert.Equal(2, await ping.Ping(1).AsTask().WaitAsync(Bound));

            await SignalAsync("STOP", server.Id);
            var ex = await Assert.ThrowsAsync<PeerUnavailableException>(() => ping.Ping(2).AsTask().WaitAsync(Bound));
            Assert.Contains("HeartbeatTimeout", ex.InnerException?.Message ?? string.Empty, StringComparison.Ordinal);

            await SignalAsync("CONT", server.Id);
            await node.WaitForPeersAsync(serviceName, 1, CancellationToken.None).WaitAsync(Bound);
            Assert.Equal(4, await ping.Ping(3).AsTask().WaitAsync(Bound));
            await client.StopAsync().WaitAsync(Bound);
        }
        finally
        {
            await SignalAsync("CONT", server.Id);
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

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { UseShellExecute = false })!;
        await kill.WaitForExitAsync().WaitAsync(Bound);
    }
}

/// <summary>The load driver's Mesh contract, declared here with the same wire name and signature.</summary>
[BalancedService(Name = "loaddriver.ping")]
public interface IPingService
{
    ValueTask<int> Ping(int value);
}
