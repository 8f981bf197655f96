using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Hosting;

public sealed class ServeOnlyNodeTests
{
    [Fact]
    public async Task NodeWithoutClients_SamePeersAsACaller_KeepsNoLinksWhileTheCallerLinksToAll()
    {
        await using var b = await TestNode.StartAsync("b");
        await using var c = await TestNode.StartAsync("c");
        string[] peers = [b.EndPoint.ToString(), c.EndPoint.ToString()];

        // Started first, so it had every chance to link before the caller did.
        await using var serveOnly = await TestNode.StartAsync("serve-only", mesh => mesh.UseStaticPeers(peers));
        await using var caller = await TestNode.StartAsync("caller", mesh => mesh.UseStaticPeers(peers).AddClient<ITestService>());
        await caller.Host.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync<ITestService>(2).WaitAsync(TestCluster.Bound);

        Assert.Empty(serveOnly.Host.Services.GetRequiredService<IMeshNode>().Peers);
        Assert.Null(serveOnly.Host.Services.GetRequiredService<IMeshNode>().DiscoveryFailure);
    }
}
