using System.Diagnostics.Metrics;
using Mesh.Balancing;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Diagnostics;

/// <summary>
/// The meter <c>Mesh</c> of each host: OpenTelemetry's RPC duration instruments with their convention tags, Mesh's
/// own link, balancer and refusal instruments, and tags that never carry a per-call value.
/// </summary>
public sealed class MetricsTests
{
    private static readonly HashSet<string> AllowedTags =
    [
        "rpc.system", "rpc.service", "rpc.method", "server.address", "error.type", "mesh.retry.reason",
        "mesh.refusal.reason", "mesh.peer", "mesh.link.role", "mesh.link.failure", "network.io.direction",
    ];

    [Fact]
    public async Task Calls_AnsweredFailedAndRefused_RecordConventionInstruments()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxConcurrentCalls = 1));
        var server = cluster.Servers[0];
        using var client = new MeshMeterRecorder(cluster.ClientService<IMeterFactory>());
        using var served = new MeshMeterRecorder(server.Host.Services.GetRequiredService<IMeterFactory>());
        var service = cluster.ClientService<ITestService>();

        await service.Echo(1).WaitAsync(TestCluster.Bound);
        await Assert.ThrowsAsync<RemoteInvocationException>(() => service.Fail("boom").WaitAsync(TestCluster.Bound));
        using var stop = new CancellationTokenSource();
        var blocked = service.Block("hold", stop.Token);
        await server.Probe.StartedFor("hold").Task.WaitAsync(TestCluster.Bound);
        await Assert.ThrowsAsync<CallRefusedException>(() => service.Echo(2).WaitAsync(TestCluster.Bound));
        client.Observe();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TestCluster.Bound));

        var calls = client.Of("rpc.client.call.duration");
        Assert.All(calls, c =>
        {
            Assert.Equal("s", c.Unit);
            Assert.Equal("mesh", c.Tag("rpc.system"));
            Assert.Equal(TestCluster.ServiceName, c.Tag("rpc.service"));
            Assert.Equal("node-1", c.Tag("server.address"));
        });
        Assert.Contains(calls, c => c.Tag("rpc.method") == "Echo" && c.Tag("error.type") is null);
        Assert.Contains(calls, c => c.Tag("rpc.method") == "Fail" && c.Tag("error.type") == typeof(RemoteInvocationException).FullName);
        Assert.Contains(calls, c => c.Tag("rpc.method") == "Echo" && c.Tag("error.type") == typeof(CallRefusedException).FullName);

        var handled = served.Of("rpc.server.call.duration");
        Assert.Contains(handled, c => c.Unit == "s" && c.Tag("rpc.method") == "Echo" && c.Tag("error.type") is null);
        Assert.Contains(handled, c => c.Tag("rpc.method") == "Fail" && c.Tag("error.type") == typeof(InvalidOperationException).FullName);
        Assert.Contains(served.Of("mesh.server.refusals"), r => r.Tag("mesh.refusal.reason") == "overloaded" && r.Tag("rpc.service") == TestCluster.ServiceName);
        Assert.Contains(client.Of("mesh.balancer.picks"), p => p.Tag("mesh.peer") == "node-1");
        Assert.Contains(client.Of("mesh.link.io"), b => b.Unit == "By" && b.Value > 0 && b.Tag("mesh.link.role") == "client" && b.Tag("network.io.direction") == "transmit");
        Assert.Contains(served.Of("mesh.link.io"), b => b.Value > 0 && b.Tag("mesh.link.role") == "server" && b.Tag("network.io.direction") == "receive");

        // The balancer's view, observed while the blocked call was in flight.
        Assert.Contains(client.Of("mesh.peer.outstanding"), g => g.Tag("mesh.peer") == "node-1" && g.Value == 1);
        Assert.Contains(client.Of("mesh.peer.available"), g => g.Tag("mesh.peer") == "node-1" && g.Value == 1);
        Assert.Contains(client.Of("mesh.peer.latency"), g => g.Unit == "s" && g.Value > 0);

        Assert.All(client.Measurements.Concat(served.Measurements), m => Assert.All(m.Tags.Keys, key => Assert.Contains(key, AllowedTags)));
    }

    [Fact]
    public async Task Echo_OnePeerBusy_RetryCountedWithItsReason()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 2,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxConcurrentCalls = 1),
            configureClient: o => o.LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin);
        using var client = new MeshMeterRecorder(cluster.ClientService<IMeterFactory>());
        var service = cluster.ClientService<ITestService>();
        using var stop = new CancellationTokenSource();
        var blocked = service.Block("hold", stop.Token);
        await Task.WhenAny(cluster.Servers.Select(s => s.Probe.StartedFor("hold").Task)).Unwrap().WaitAsync(TestCluster.Bound);

        // Round-robin offers one of any two consecutive calls to the busy node first.
        for (var i = 0; i < 4; i++)
        {
            await service.Echo(i).WaitAsync(TestCluster.Bound);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TestCluster.Bound));
        var retries = client.Of("mesh.client.retries");
        Assert.NotEmpty(retries);
        Assert.All(retries, r => Assert.Equal("refused", r.Tag("mesh.retry.reason")));
    }
}
