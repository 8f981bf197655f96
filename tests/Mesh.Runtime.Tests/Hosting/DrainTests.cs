using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Runtime.Tests.Hosting;

public sealed class DrainTests
{
    [Fact]
    public async Task ApplicationStopping_DrainsAtOnce_ReadinessFalseAndCallersStopSending()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var draining = cluster.Servers[0];
        var node = draining.Host.Services.GetRequiredService<IMeshNode>();
        Assert.Equal(MeshNodeState.Running, node.State);
        Assert.True(node.IsReady);

        // SIGTERM: the host signals ApplicationStopping before it stops any hosted service.
        draining.Host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.Equal(MeshNodeState.Draining, node.State);
        Assert.False(node.IsReady);
        await cluster.ClientService<IMeshNode>()
            .WaitForPeersAsync(peers => peers.All(p => p.NodeId != draining.NodeId), CancellationToken.None)
            .WaitAsync(TestCluster.Bound);
        var proxy = cluster.ClientService<ITestService>();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("node-2", (await proxy.Echo(i)).NodeId);
        }
    }

    [Fact]
    public async Task Stop_AfterDrain_StateStopped()
    {
        var node = await TestNode.StartAsync("alone");
        var mesh = node.Host.Services.GetRequiredService<IMeshNode>();
        await node.StopAsync();
        Assert.Equal(MeshNodeState.Stopped, mesh.State);
        Assert.False(mesh.IsReady);
        await node.DisposeAsync();
    }
}
