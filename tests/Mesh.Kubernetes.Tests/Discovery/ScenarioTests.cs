using System.Net;
using k8s.Models;
using Mesh.Kubernetes.Tests.FakeApi;
using Mesh.Kubernetes.Tests.TestServices;

namespace Mesh.Kubernetes.Tests.Discovery;

/// <summary>
/// The scenarios end to end: real mesh nodes on loopback, a client node discovering them through the
/// real KubernetesClient against the fake API; each asserts the client's live peer set and that calls succeed.
/// </summary>
public sealed class ScenarioTests
{
    [Fact]
    public async Task Scale_ThreeToFiveToTwo_PeerSetFollowsAndEveryCallSucceeds()
    {
        await using var cluster = await KubeCluster.StartAsync(5);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1), cluster.Ready(2)));
        await cluster.WaitForReadyPeersAsync(0, 1, 2);
        Assert.Equal(["node-1", "node-2", "node-3"], (await cluster.CallAsync(300)).Keys.Order());

        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, [.. Enumerable.Range(0, 5).Select(cluster.Ready)]));
        await cluster.WaitForReadyPeersAsync(0, 1, 2, 3, 4);
        var five = await cluster.CallAsync(500);
        Assert.Equal(5, five.Count);
        Assert.All(five.Values, served => Assert.Equal(100, served));

        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(1), cluster.Ready(3)));
        await cluster.WaitForReadyPeersAsync(1, 3);
        Assert.Equal(["node-2", "node-4"], (await cluster.CallAsync(200)).Keys.Order());
    }

    [Fact]
    public async Task WaitForPeersOfService_TypedCount_CompletesOnceThatManyHostItAndRefusesZero()
    {
        await using var cluster = await KubeCluster.StartAsync(3);
        var three = cluster.Client.WaitForPeersAsync<IWhoAmI>(3);
        Assert.False(three.IsCompleted);

        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1), cluster.Ready(2)));
        await three.WaitAsync(KubeCluster.Bound);
        Assert.Equal(3, cluster.Client.Peers.Count(p => p.Services.Contains("tests.whoami")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cluster.Client.WaitForPeersAsync<IWhoAmI>(0));
    }

    [Fact]
    public async Task PodUnreadyThenReady_LeavesThenRejoins()
    {
        await using var cluster = await KubeCluster.StartAsync(3);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1), cluster.Ready(2)));
        await cluster.WaitForReadyPeersAsync(0, 1, 2);

        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Unready(1), cluster.Ready(2)));
        await cluster.WaitForReadyPeersAsync(0, 2);
        Assert.DoesNotContain("node-2", (await cluster.CallAsync(200)).Keys);

        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1), cluster.Ready(2)));
        await cluster.WaitForReadyPeersAsync(0, 1, 2);
        Assert.Contains("node-2", (await cluster.CallAsync(300)).Keys);
    }

    [Fact]
    public async Task TerminatingButServing_LinkedButUsedOnlyWhenNoReadyPeerIsLeft()
    {
        await using var cluster = await KubeCluster.StartAsync(3);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1), cluster.Ready(2)));
        await cluster.WaitForReadyPeersAsync(0, 1, 2);

        // ready -> terminating (still serving): linked, no new calls while a ready peer exists.
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Terminating(1), cluster.Ready(2)));
        await cluster.WaitForPeersAsync((0, true), (1, false), (2, true));
        Assert.Equal(["node-1", "node-3"], (await cluster.CallAsync(200)).Keys.Order());

        // Only terminating peers left: they take the calls (kube-proxy's fallback).
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Terminating(0), cluster.Terminating(1)));
        await cluster.WaitForPeersAsync((0, false), (1, false));
        Assert.Equal(["node-1", "node-2"], (await cluster.CallAsync(200)).Keys.Order());

        // terminating -> removed.
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Terminating(0)));
        await cluster.WaitForPeersAsync((0, false));
        Assert.Equal(["node-1"], (await cluster.CallAsync(50)).Keys);
    }

    [Fact]
    public async Task WatchCut_ReWatchesAndFollowsLaterChanges()
    {
        await using var cluster = await KubeCluster.StartAsync(3);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1)));
        await cluster.WaitForReadyPeersAsync(0, 1);
        await cluster.Api.WaitForWatchesAsync(1).WaitAsync(KubeCluster.Bound);

        cluster.Api.DropWatches();
        await cluster.Api.WaitForWatchesAsync(2).WaitAsync(KubeCluster.Bound);
        Assert.Equal(["node-1", "node-2"], (await cluster.CallAsync(100)).Keys.Order());

        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1), cluster.Ready(2)));
        await cluster.WaitForReadyPeersAsync(0, 1, 2);
        Assert.Equal(3, (await cluster.CallAsync(150)).Count);
        Assert.Null(cluster.Client.DiscoveryFailure);
    }

    [Fact]
    public async Task ApiRestartsWithNewerVersion_KeepsPeersWhileDownThenRelistsChangesMadeMeanwhile()
    {
        await using var cluster = await KubeCluster.StartAsync(3);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1)));
        await cluster.WaitForReadyPeersAsync(0, 1);
        var versionBefore = cluster.Api.ResourceVersion;

        await cluster.Api.StopAsync();
        // While the API is down: the node reports itself degraded but keeps its peers and serves calls.
        await WaitUntilAsync(() => cluster.Client.DiscoveryFailure is not null);
        Assert.Contains("unreachable", cluster.Client.DiscoveryFailure, StringComparison.Ordinal);
        await cluster.WaitForReadyPeersAsync(0, 1);
        Assert.Equal(["node-1", "node-2"], (await cluster.CallAsync(100)).Keys.Order());

        // The Deployment scaled while the API was away; it comes back with newer versions and no history.
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(1), cluster.Ready(2)));
        await cluster.Api.StartAgainAsync(versionJump: 5000);
        await cluster.WaitForReadyPeersAsync(1, 2);
        await WaitUntilAsync(() => cluster.Client.DiscoveryFailure is null);
        Assert.True(cluster.Api.ResourceVersion > versionBefore + 5000);
        Assert.Equal(["node-2", "node-3"], (await cluster.CallAsync(100)).Keys.Order());
    }

    [Fact]
    public async Task ExpiredResourceVersion410_RelistsAndDiffs()
    {
        await using var cluster = await KubeCluster.StartAsync(3);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1)));
        await cluster.WaitForReadyPeersAsync(0, 1);
        await cluster.Api.WaitForWatchesAsync(1).WaitAsync(KubeCluster.Bound);
        var lists = cluster.Api.ListRequests;
        var known = cluster.Api.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // The change happens while the watch delivers nothing, history is compacted, and the watch ends
        // cleanly (its timeout): the re-watch from the old version gets a 410 ERROR event and must re-list.
        cluster.Api.Silence(true);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(2)));
        cluster.Api.Compact();
        cluster.Api.Silence(false);
        cluster.Api.CloseWatches();

        await cluster.WaitForReadyPeersAsync(2);
        Assert.Equal(known, cluster.Api.WatchVersions[1]);
        Assert.True(cluster.Api.ListRequests > lists);
        Assert.Equal(["node-3"], (await cluster.CallAsync(50)).Keys);
    }

    [Fact]
    public async Task ServiceSplitAcrossTwoSlices_MergedAndDeduplicated()
    {
        await using var cluster = await KubeCluster.StartAsync(4);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1)));
        cluster.Api.Apply(Slices.Of("shop-b", KubeCluster.Service, cluster.Port, cluster.Ready(1), cluster.Ready(2), cluster.Ready(3)));
        // A slice of another Service is not ours.
        cluster.Api.Apply(Slices.Of("other-a", "other", cluster.Port, new Ep("127.0.0.1")));
        await cluster.WaitForReadyPeersAsync(0, 1, 2, 3);
        var served = await cluster.CallAsync(400);
        Assert.All(served.Values, count => Assert.Equal(100, count));

        cluster.Api.Delete("shop-b");
        await cluster.WaitForReadyPeersAsync(0, 1);
        Assert.Equal(["node-1", "node-2"], (await cluster.CallAsync(100)).Keys.Order());
    }

    [Fact]
    public async Task MalformedObjects_IgnoredAndTheRestOfTheMeshUnaffected()
    {
        await using var cluster = await KubeCluster.StartAsync(3);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), new Ep("not-an-ip"), new Ep("999.1.1.1")));
        cluster.Api.Apply(Slices.Of("shop-b", KubeCluster.Service, [new Discoveryv1EndpointPort { Name = "http", Port = 8080 }], "IPv4", cluster.Ready(2)));
        cluster.Api.Apply(Slices.Of("shop-c", KubeCluster.Service, [new Discoveryv1EndpointPort { Name = "mesh", Port = null }], "IPv4", cluster.Ready(2)));
        cluster.Api.Apply(Broken(Slices.Of("shop-d", KubeCluster.Service, cluster.Port, cluster.Ready(1))));
        await cluster.WaitForReadyPeersAsync(0);
        Assert.Equal(["node-1"], (await cluster.CallAsync(50)).Keys);

        // An unreadable line in the watch stream: the watch is restarted, the peers stay, later changes arrive.
        await cluster.Api.WaitForWatchesAsync(1).WaitAsync(KubeCluster.Bound);
        cluster.Api.SendGarbage();
        await cluster.Api.WaitForWatchesAsync(2).WaitAsync(KubeCluster.Bound);
        await cluster.WaitForReadyPeersAsync(0);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1), new Ep("not-an-ip")));
        await cluster.WaitForReadyPeersAsync(0, 1);
        Assert.Equal(["node-1", "node-2"], (await cluster.CallAsync(100)).Keys.Order());
        Assert.Null(cluster.Client.DiscoveryFailure);

        static V1EndpointSlice Broken(V1EndpointSlice slice)
        {
            slice.AddressType = "Carrier-Pigeon";
            return slice;
        }
    }

    [Fact]
    public async Task Forbidden_KeepsLastPeersReportsTheMissingPermissionAndRecovers()
    {
        await using var cluster = await KubeCluster.StartAsync(3);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1)));
        await cluster.WaitForReadyPeersAsync(0, 1);

        cluster.Api.FailWith = HttpStatusCode.Forbidden;
        cluster.Api.DropWatches();
        await WaitUntilAsync(() => cluster.Client.DiscoveryFailure?.Contains("Forbidden (403)", StringComparison.Ordinal) == true);
        Assert.Contains("verbs [list, watch] on resource 'endpointslices' in apiGroup 'discovery.k8s.io'", cluster.Client.DiscoveryFailure, StringComparison.Ordinal);
        Assert.True(cluster.Client.IsReady);
        await cluster.WaitForReadyPeersAsync(0, 1);
        Assert.Equal(["node-1", "node-2"], (await cluster.CallAsync(100)).Keys.Order());

        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1), cluster.Ready(2)));
        cluster.Api.FailWith = null;
        await cluster.WaitForReadyPeersAsync(0, 1, 2);
        await WaitUntilAsync(() => cluster.Client.DiscoveryFailure is null);
        Assert.Equal(3, (await cluster.CallAsync(150)).Count);
    }

    [Fact]
    public async Task SilentWatch_WatchdogRestartsItAndChangesArrive()
    {
        await using var cluster = await KubeCluster.StartAsync(2, options =>
        {
            options.WatchTimeout = TimeSpan.FromSeconds(1);
            options.WatchdogMargin = TimeSpan.FromMilliseconds(500);
        });
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0)));
        await cluster.WaitForReadyPeersAsync(0);
        var watches = cluster.Api.WatchRequests;

        // Half-open: the connection stays up but nothing arrives, not even the timeout close.
        cluster.Api.Silence(true);
        cluster.Api.Apply(Slices.Of("shop-a", KubeCluster.Service, cluster.Port, cluster.Ready(0), cluster.Ready(1)));
        await cluster.Api.WaitForWatchesAsync(watches + 1).WaitAsync(KubeCluster.Bound);
        cluster.Api.Silence(false);
        await cluster.WaitForReadyPeersAsync(0, 1);
        Assert.Equal(["node-1", "node-2"], (await cluster.CallAsync(100)).Keys.Order());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // Discovery state has no change event; poll it, bounded.
        using var timeout = new CancellationTokenSource(KubeCluster.Bound);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
