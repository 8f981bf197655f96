using System.Diagnostics;
using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Kubernetes.Tests.FakeApi;
using Xunit.Abstractions;

namespace Mesh.Kubernetes.Tests.RealApi;

/// <summary>
/// Discovery against a real Kubernetes 1.26 API server: the ServiceAccount's real token, deploy/'s Role, the
/// server's own watch, bookmark and error behaviour. Each test writes EndpointSlices in its own namespace and
/// waits for the peer set discovery publishes.
/// </summary>
[Collection(RealApiServerCollection.Name)]
public sealed class RealApiServerTests(RealApiServer server, ITestOutputHelper output)
{
    private const string Service = "shop";

    [RealApiServerFact]
    public async Task SeveralSlices_EndpointsMoveBetweenSlicesAndConditionsAreMissing_PeerSetFollows()
    {
        var ns = await server.CreateNamespaceAsync();
        await using var follower = await FollowAsync(ns);
        await follower.WaitForAsync();

        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1"), new Ep("10.77.0.2")));
        await UpsertAsync(ns, Slices.Of("shop-b", Service, 7800, new Ep("10.77.0.3", Ready: null, Serving: null, Terminating: null)));
        await UpsertAsync(ns, Slices.Of("other-a", "other", 7800, new Ep("10.77.0.9")));
        await follower.WaitForAsync("10.77.0.1:7800", "10.77.0.2:7800", "10.77.0.3:7800");

        // 10.77.0.2 moves from shop-a to shop-b: for a moment it is in both, then only in shop-b.
        await UpsertAsync(ns, Slices.Of("shop-b", Service, 7800, new Ep("10.77.0.2"), new Ep("10.77.0.3", Ready: null, Serving: null, Terminating: null)));
        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1")));
        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1"), new Ep("10.77.0.4")));
        await follower.WaitForAsync("10.77.0.1:7800", "10.77.0.2:7800", "10.77.0.3:7800", "10.77.0.4:7800");

        await server.Admin.DiscoveryV1.DeleteNamespacedEndpointSliceAsync("shop-b", ns);
        await follower.WaitForAsync("10.77.0.1:7800", "10.77.0.4:7800");
        Assert.Null(follower.Failure);
    }

    [RealApiServerFact]
    public async Task ContinueTokenExpiresBetweenPages_ListStartsOverAndEndsWithEveryPeer()
    {
        var ns = await server.CreateNamespaceAsync();
        string[] expected = ["10.77.0.1:7800", "10.77.0.2:7800", "10.77.0.3:7800", "10.77.0.4:7800", "10.77.0.5:7800"];
        for (var i = 1; i <= expected.Length; i++)
        {
            await UpsertAsync(ns, Slices.Of($"shop-{i}", Service, 7800, new Ep($"10.77.0.{i}")));
        }

        // Five slices, two per page: three pages. etcd is compacted after the first page, so its continue token expires.
        await using var proxy = await CompactingProxy.StartAsync(server, ns);
        var started = Stopwatch.GetTimestamp();
        await using var follower = await FollowAsync(ns, options => options.Configuration!.Host = proxy.Url);
        var (peers, arrived) = await follower.WaitForAsync(expected);

        Assert.True(proxy.Compactions == 1, $"compactions {proxy.Compactions}, pages {proxy.Pages}, requests: {string.Join(" | ", proxy.Requests)}");
        Assert.Equal(1, proxy.Gone);
        Assert.Equal(5, proxy.Pages);
        Assert.Equal(1, follower.ContinueExpirations);
        Assert.Equal(1, follower.Lists);
        Assert.Equal(5, peers.Count);
        Assert.Null(follower.Failure);
        output.WriteLine(
            $"continue token expired: etcd compacted to revision {proxy.CompactedRevision} after page 1; the real server answered 410 {proxy.Gone} time(s); " +
            $"discovery restarted the list {follower.ContinueExpirations} time(s), {proxy.Pages} page requests in all (page 1, the refused page 2, then pages 1-3 again), and published {peers.Count} peers " +
            $"({string.Join(", ", peers.Select(DiscoveryFollower.Describe))}) {Stopwatch.GetElapsedTime(started, arrived).TotalMilliseconds:0} ms after it started");
    }

    [RealApiServerFact]
    public async Task ReadyThenTerminatingThenGone_PeerDrainsThenLeaves()
    {
        var ns = await server.CreateNamespaceAsync();
        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1"), new Ep("10.77.0.2")));
        await using var follower = await FollowAsync(ns);
        await follower.WaitForAsync("10.77.0.1:7800", "10.77.0.2:7800");

        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1"), new Ep("10.77.0.2", Ready: false, Serving: true, Terminating: true)));
        await follower.WaitForAsync("10.77.0.1:7800", "10.77.0.2:7800 (terminating)");

        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1"), new Ep("10.77.0.2", Ready: false, Serving: false, Terminating: true)));
        await follower.WaitForAsync("10.77.0.1:7800");

        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1")));
        await follower.WaitForAsync("10.77.0.1:7800");
        Assert.Equal(1, follower.Lists);
    }

    [RealApiServerFact]
    public async Task SliceLosesItsServiceLabel_ItsPeersLeaveWithoutARelist()
    {
        var ns = await server.CreateNamespaceAsync();
        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1")));
        await UpsertAsync(ns, Slices.Of("shop-b", Service, 7800, new Ep("10.77.0.2")));
        await using var follower = await FollowAsync(ns);
        await follower.WaitForAsync("10.77.0.1:7800", "10.77.0.2:7800");

        var relabelled = Slices.Of("shop-b", Service, 7800, new Ep("10.77.0.2"));
        relabelled.Metadata.Labels.Remove("kubernetes.io/service-name");
        await UpsertAsync(ns, relabelled);

        await follower.WaitForAsync("10.77.0.1:7800");
        Assert.Equal(1, follower.Lists);
    }

    [RealApiServerFact]
    public async Task DualStackSlicesInEitherNameOrder_PeersAtThePreferredFamily()
    {
        foreach (var (v4, v6) in new[] { ("shop-aaaa", "shop-zzzz"), ("shop-zzzz", "shop-aaaa") })
        {
            var ns = await server.CreateNamespaceAsync();
            await UpsertAsync(ns, Slices.Of(v4, Service, 7800, new Ep("10.77.0.1", Uid: "pod-1"), new Ep("10.77.0.2", Uid: "pod-2")));
            await UpsertAsync(ns, Slices.Of(v6, Service, [new Discoveryv1EndpointPort { Name = "mesh", Port = 7800, Protocol = "TCP" }], "IPv6", new Ep("fd77::1", Uid: "pod-1"), new Ep("fd77::2", Uid: "pod-2")));

            await using (var ipv4 = await FollowAsync(ns))
            {
                await ipv4.WaitForAsync("10.77.0.1:7800", "10.77.0.2:7800");
            }

            await using var ipv6 = await FollowAsync(ns, o => o.PreferredAddressFamily = System.Net.Sockets.AddressFamily.InterNetworkV6);
            await ipv6.WaitForAsync("[fd77::1]:7800", "[fd77::2]:7800");
        }
    }

    [RealApiServerFact]
    public async Task RbacMissingThenGranted_ForbiddenNamesThePermissionThenPeersArrive()
    {
        var ns = await server.CreateNamespaceAsync(grantDiscovery: false);
        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1")));
        await using var follower = await FollowAsync(ns);

        await follower.WaitForFailureAsync(f => f.Contains("Forbidden (403)", StringComparison.Ordinal));
        Assert.Contains("verbs [list, watch] on resource 'endpointslices' in apiGroup 'discovery.k8s.io'", follower.Failure, StringComparison.Ordinal);
        Assert.Contains($"system:serviceaccount:{ns}:mesh", follower.Failure, StringComparison.Ordinal);

        await server.GrantDiscoveryAsync(ns);
        await follower.WaitForAsync("10.77.0.1:7800");
        Assert.Null(follower.Failure);
    }

    [RealApiServerFact]
    public async Task WatchTimesOutRepeatedly_ResumesFromBookmarksWithoutRelisting()
    {
        var ns = await server.CreateNamespaceAsync();
        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1")));
        await using var follower = await FollowAsync(ns, o => o.WatchTimeout = TimeSpan.FromSeconds(3));
        await follower.WaitForAsync("10.77.0.1:7800");

        // Only slices of another Service change: no event reaches this watch, only the server's bookmarks
        // carry the version forward (etcd revisions are integers; the product treats them as opaque).
        var other = await UpsertAsync(ns, Slices.Of("other-a", "other", 7800, new Ep("10.77.0.9")));
        var written = long.Parse(other.Metadata.ResourceVersion, CultureInfo.InvariantCulture);
        using (var timeout = new CancellationTokenSource(DiscoveryFollower.Bound))
        {
            while (long.Parse(follower.Discovery.ResourceVersion!, CultureInfo.InvariantCulture) < written)
            {
                // The version only moves inside discovery; poll it, bounded.
                await Task.Delay(100, timeout.Token);
            }
        }

        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1"), new Ep("10.77.0.2")));
        await follower.WaitForAsync("10.77.0.1:7800", "10.77.0.2:7800");
        Assert.Equal(1, follower.Lists);
        Assert.Null(follower.Failure);
    }

    [RealApiServerFact]
    public async Task ApiServerRestarts_LastPeersKeptFailureReportedThenChangesFollowed()
    {
        var ns = await server.CreateNamespaceAsync();
        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1"), new Ep("10.77.0.2")));
        await using var follower = await FollowAsync(ns);
        await follower.WaitForAsync("10.77.0.1:7800", "10.77.0.2:7800");

        await server.RestartApiServerAsync(whileDown: () => follower.WaitForFailureAsync(f => f.Contains("unreachable", StringComparison.Ordinal)));
        await follower.WaitForAsync("10.77.0.1:7800", "10.77.0.2:7800");

        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.2"), new Ep("10.77.0.3")));
        await follower.WaitForAsync("10.77.0.2:7800", "10.77.0.3:7800");
        Assert.Null(follower.Failure);
    }

    /// <summary>
    /// Time from an EndpointSlice write (request sent) to discovery publishing the changed peer set. Reported,
    /// not asserted (speed is the benchmarks' business); every change must arrive.
    /// </summary>
    [RealApiServerFact]
    public async Task WriteToPeerSet_EveryChangeArrives_TimesReported()
    {
        const int Writes = 40;
        var ns = await server.CreateNamespaceAsync();
        await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, new Ep("10.77.0.1")));
        await using var follower = await FollowAsync(ns);
        await follower.WaitForAsync("10.77.0.1:7800");

        var times = new List<double>();
        for (var i = 0; i < Writes; i++)
        {
            var expected = i % 2 == 0 ? new[] { "10.77.0.1:7800", "10.77.0.2:7800" } : ["10.77.0.1:7800"];
            var slice = Slices.Of("shop-a", Service, 7800, [.. expected.Select(a => new Ep(a[..^5]))]);
            var sent = Stopwatch.GetTimestamp();
            await UpsertAsync(ns, slice, known: true);
            var (_, arrived) = await follower.WaitForAsync(expected);
            times.Add(Stopwatch.GetElapsedTime(sent, arrived).TotalMilliseconds);
        }

        times.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"write -> peer set, real kube-apiserver 1.26, {Writes} writes: p50 {times[Writes / 2]:0.0} ms, p90 {times[Writes * 9 / 10]:0.0} ms, max {times[^1]:0.0} ms"));
        Assert.Equal(Writes, times.Count);
    }

    private async Task<DiscoveryFollower> FollowAsync(string ns, Action<KubernetesDiscoveryOptions>? configure = null)
    {
        var options = new KubernetesDiscoveryOptions
        {
            ServiceName = Service,
            Configuration = await server.ServiceAccountConfigurationAsync(ns),
            PageSize = 2,
        };
        configure?.Invoke(options);
        return new DiscoveryFollower(options);
    }

    /// <summary>Creates or replaces a slice (update is a write of the whole object, as the controller does).</summary>
    private async Task<V1EndpointSlice> UpsertAsync(string ns, V1EndpointSlice slice, bool known = false)
    {
        slice.Metadata.NamespaceProperty = ns;
        foreach (var endpoint in slice.Endpoints ?? [])
        {
            endpoint.TargetRef.NamespaceProperty = ns;
        }

        if (!known)
        {
            try
            {
                return await server.Admin.DiscoveryV1.CreateNamespacedEndpointSliceAsync(slice, ns);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // It exists: replace it below.
            }
        }

        return await server.Admin.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(slice, slice.Metadata.Name, ns);
    }
}
