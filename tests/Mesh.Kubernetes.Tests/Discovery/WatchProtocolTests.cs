using System.Globalization;
using Mesh.Kubernetes.Tests.FakeApi;
using Mesh.Membership;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Kubernetes.Tests.Discovery;

/// <summary>The list + watch protocol, driving <see cref="EndpointSliceDiscovery"/> alone against the fake API.</summary>
public sealed class WatchProtocolTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task List_ManyPages_AllSlicesMergedThenWatchFromTheListVersion()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        for (var i = 0; i < 7; i++)
        {
            api.Apply(Slices.Of($"shop-{i}", "shop", 7800, new Ep($"10.0.0.{i + 1}")));
        }

        var listVersion = api.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        using var discovery = Create(api, o => o.PageSize = 2);
        await using var sets = discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator();

        Assert.Equal(7, (await NextAsync(sets)).Count);
        Assert.Equal(4, api.ListRequests);
        await api.WaitForWatchesAsync(1).WaitAsync(Bound);
        Assert.Equal([listVersion], api.WatchVersions);
    }

    [Fact]
    public async Task Watch_BookmarkThenTimeout_ReWatchesFromTheBookmarkVersionWithoutRelisting()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1")));
        using var discovery = Create(api);
        await using var sets = discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.Single(await NextAsync(sets));
        await api.WaitForWatchesAsync(1).WaitAsync(Bound);

        // Other objects change (not ours): only the bookmark tells us the version moved on.
        api.Apply(Slices.Of("other-a", "other", 7800, new Ep("10.0.0.9")));
        api.Apply(Slices.Of("other-a", "other", 7800, new Ep("10.0.0.8")));
        var bookmark = api.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        api.SendBookmarks();
        api.CloseWatches();
        await api.WaitForWatchesAsync(2).WaitAsync(Bound);

        Assert.Equal(bookmark, api.WatchVersions[1]);
        Assert.Equal(1, api.ListRequests);

        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1"), new Ep("10.0.0.2")));
        Assert.Equal(2, (await NextAsync(sets)).Count);
    }

    [Fact]
    public async Task Watch_ClosedWithZeroEvents_ReWatchesFromTheSameVersion()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1")));
        using var discovery = Create(api);
        await using var sets = discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.Single(await NextAsync(sets));
        await api.WaitForWatchesAsync(1).WaitAsync(Bound);

        api.CloseWatches();
        await api.WaitForWatchesAsync(2).WaitAsync(Bound);
        api.CloseWatches();
        await api.WaitForWatchesAsync(3).WaitAsync(Bound);

        Assert.Single(api.WatchVersions.Distinct());
        Assert.Equal(1, api.ListRequests);
    }

    [Fact]
    public async Task Watch_ServerTimeoutSeconds_ClosesCleanlyAndReWatches()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1")));
        using var discovery = Create(api, o => o.WatchTimeout = TimeSpan.FromSeconds(1));
        await using var sets = discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.Single(await NextAsync(sets));

        await api.WaitForWatchesAsync(3).WaitAsync(Bound);
        Assert.Equal(1, api.ListRequests);
    }

    [Fact]
    public async Task Watch_Expired410ErrorEvent_RelistsAndYieldsTheNewSetWithoutFailing()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1")));
        using var discovery = Create(api);
        await using var sets = discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.Single(await NextAsync(sets));
        await api.WaitForWatchesAsync(1).WaitAsync(Bound);

        api.Silence(true);
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1"), new Ep("10.0.0.2"), new Ep("10.0.0.3")));
        api.Compact();
        api.Silence(false);
        api.CloseWatches();

        // A failure would surface here as an exception; the 410 must be handled inside discovery.
        Assert.Equal(3, (await NextAsync(sets)).Count);
        Assert.Equal(2, api.ListRequests);
        Assert.Equal(api.WatchVersions[0], api.WatchVersions[1]);
    }

    [Fact]
    public async Task List_Forbidden_ThrowsNamingTheMissingPermission()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.FailWith = System.Net.HttpStatusCode.Forbidden;
        using var discovery = Create(api);

        var error = await Assert.ThrowsAsync<KubernetesDiscoveryException>(async () => await NextAsync(discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator()));
        Assert.True(error.Message.Contains("Forbidden (403)", StringComparison.Ordinal), error.ToString());
        Assert.Contains("verbs [list, watch] on resource 'endpointslices' in apiGroup 'discovery.k8s.io'", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot list resource \"endpointslices\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_GarbageBody_ThrowsAClearError()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.GarbageLists = true;
        using var discovery = Create(api);

        var error = await Assert.ThrowsAsync<KubernetesDiscoveryException>(async () => await NextAsync(discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator()));
        Assert.Contains("malformed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ApiUnreachable_ThrowsUnreachable()
    {
        var api = await FakeKubernetesApi.StartAsync();
        await api.StopAsync();
        using var discovery = Create(api);

        var error = await Assert.ThrowsAsync<KubernetesDiscoveryException>(async () => await NextAsync(discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator()));
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resync_PeriodicRelist_PicksUpAChangeTheWatchMissed()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1")));
        using var discovery = Create(api, o =>
        {
            o.ResyncInterval = TimeSpan.FromMilliseconds(200);
            o.WatchTimeout = TimeSpan.FromSeconds(1);
        });
        await using var sets = discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.Single(await NextAsync(sets));
        await api.WaitForWatchesAsync(1).WaitAsync(Bound);

        api.Silence(true);
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1"), new Ep("10.0.0.2")));
        api.Silence(false);
        Assert.Equal(2, (await NextAsync(sets)).Count);
    }

    [Fact]
    public async Task List_ContinueTokenExpired410_RestartsTheListAndWatchesFromTheNewListVersion()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            api.Apply(Slices.Of($"shop-{i}", "shop", 7800, new Ep($"10.0.0.{i + 1}")));
        }

        api.ExpireNextContinue = true;
        using var discovery = Create(api, o => o.PageSize = 2);
        await using var sets = discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator();

        // Page 1, page 2 refused (410), then pages 1-3 again: every slice, no "answered without a resourceVersion".
        Assert.Equal(5, (await NextAsync(sets)).Count);
        Assert.Equal(5, api.ListRequests);
        await api.WaitForWatchesAsync(1).WaitAsync(Bound);
        Assert.Equal([api.ResourceVersion.ToString(CultureInfo.InvariantCulture)], api.WatchVersions);
    }

    [Fact]
    public async Task Watch_CutMidStream_ResumesFromTheLastVersionSeenWithoutRelisting()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1")));
        using var discovery = Create(api);
        await using var sets = discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.Single(await NextAsync(sets));
        await api.WaitForWatchesAsync(1).WaitAsync(Bound);
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1"), new Ep("10.0.0.2")));
        Assert.Equal(2, (await NextAsync(sets)).Count);
        var seen = api.ResourceVersion.ToString(CultureInfo.InvariantCulture);

        api.DropWatches();
        await api.WaitForWatchesAsync(2).WaitAsync(Bound);

        Assert.Equal(seen, api.WatchVersions[1]);
        Assert.Equal(seen, discovery.ResourceVersion);
        Assert.Equal(1, api.ListRequests);
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1"), new Ep("10.0.0.2"), new Ep("10.0.0.3")));
        Assert.Equal(3, (await NextAsync(sets)).Count);
    }

    [Fact]
    public async Task Watch_CutBeforeItsFirstEvent_ResumesWithoutFailingOrRelisting()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1")));
        using var discovery = Create(api);
        await using var sets = discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.Single(await NextAsync(sets));
        await api.WaitForWatchesAsync(1).WaitAsync(Bound);

        // Twice in a row, as a closing API server does to every open watch.
        api.DropWatches();
        await api.WaitForWatchesAsync(2).WaitAsync(Bound);
        api.DropWatches();
        await api.WaitForWatchesAsync(3).WaitAsync(Bound);

        Assert.Single(api.WatchVersions.Distinct());
        Assert.Equal(1, api.ListRequests);
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1"), new Ep("10.0.0.2")));
        Assert.Equal(2, (await NextAsync(sets)).Count);
    }

    [Fact]
    public async Task Watch_SliceLosesItsServiceLabel_DeletedAndItsPeersLeave()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("10.0.0.1")));
        api.Apply(Slices.Of("shop-b", "shop", 7800, new Ep("10.0.0.2")));
        using var discovery = Create(api);
        await using var sets = discovery.WatchAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.Equal(2, (await NextAsync(sets)).Count);
        await api.WaitForWatchesAsync(1).WaitAsync(Bound);

        var relabelled = Slices.Of("shop-b", "shop", 7800, new Ep("10.0.0.2"));
        relabelled.Metadata.Labels.Remove("kubernetes.io/service-name");
        api.Apply(relabelled);

        Assert.Equal([new DiscoveredPeer("10.0.0.1", 7800)], await NextAsync(sets));
        Assert.Equal(1, api.ListRequests);
    }

    [Fact]
    public void WatchdogSilence_LongWatchTimeout_FitsTheBookmarkInterval()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), EndpointSliceDiscovery.WatchdogSilence(TimeSpan.FromMinutes(7), TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(1.5), EndpointSliceDiscovery.WatchdogSilence(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task Apply_LoopbackEndpointAddress_RefusedAsTheRealApiServerDoes()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var error = Assert.Throws<ArgumentException>(() => api.Apply(Slices.Of("shop-a", "shop", 7800, new Ep("127.0.0.5"))));
        Assert.Contains("may not be in the loopback range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PreferredAddressFamilyNotAnIpFamily_FailsNamingTheOption()
    {
        var result = new KubernetesDiscoveryOptionsValidator().Validate(null, new KubernetesDiscoveryOptions { ServiceName = "shop", PreferredAddressFamily = System.Net.Sockets.AddressFamily.Unix });
        Assert.Contains("KubernetesDiscoveryOptions.PreferredAddressFamily", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingServiceName_FailsNamingTheOption()
    {
        var result = new KubernetesDiscoveryOptionsValidator().Validate(null, new KubernetesDiscoveryOptions { PageSize = 0 });
        Assert.Contains("KubernetesDiscoveryOptions.ServiceName", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("KubernetesDiscoveryOptions.PageSize", result.FailureMessage, StringComparison.Ordinal);
    }

    private static EndpointSliceDiscovery Create(FakeKubernetesApi api, Action<KubernetesDiscoveryOptions>? configure = null)
    {
        var options = new KubernetesDiscoveryOptions
        {
            ServiceName = "shop",
            Configuration = api.ClientConfiguration(),
            MinBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        return new EndpointSliceDiscovery(Options.Create(options), NullLogger<EndpointSliceDiscovery>.Instance);
    }

    private static async Task<IReadOnlyList<DiscoveredPeer>> NextAsync(IAsyncEnumerator<IReadOnlyList<DiscoveredPeer>> sets)
    {
        Assert.True(await sets.MoveNextAsync().AsTask().WaitAsync(Bound));
        return sets.Current;
    }
}
