using Mesh.Calls;
using Mesh.Membership;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Calls;

/// <summary>Calls made while a node is still making its first links wait for them, within their deadline.</summary>
public sealed class FirstLinkTests
{
    [Fact]
    public async Task Echo_CalledBeforeDiscoveryFoundAnyPeer_WaitsAndIsAnsweredOnceLinked()
    {
        await using var server = await TestNode.StartAsync("node-1");
        var discovery = new TestDiscovery();
        using var client = await TestClient.StartAsync(discovery, o => o.DefaultDeadline = TimeSpan.FromSeconds(30));
        Assert.True(client.Services.GetRequiredService<PeerDirectory>().IsStarting);

        var call = client.Services.GetRequiredService<ITestService>().Echo(7);
        Assert.False(call.IsCompleted);
        discovery.Publish(new DiscoveredPeer("127.0.0.1", server.EndPoint.Port));

        Assert.Equal("node-1", (await call.WaitAsync(TestCluster.Bound)).NodeId);
        await client.StopAsync().WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Echo_NoPeerEverLinked_FailsAtItsDeadlineSayingSo()
    {
        using var client = await TestClient.StartAsync(new TestDiscovery(), o => o.DefaultDeadline = TimeSpan.FromMilliseconds(300));

        var ex = await Assert.ThrowsAsync<PeerUnavailableException>(() => client.Services.GetRequiredService<ITestService>().Echo(7).WaitAsync(TestCluster.Bound));

        Assert.Contains("No peer was linked within the deadline", ex.Message, StringComparison.Ordinal);
        await client.StopAsync().WaitAsync(TestCluster.Bound);
    }
}
