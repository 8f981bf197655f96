using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Membership;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Kubernetes;

/// <summary>
/// Peers from the EndpointSlices of one Service: list (paginated) then watch from the list's resource
/// version, tracking bookmarks; re-list and diff on 410 or a broken watch; re-watch timed-out watches; a
/// watchdog for silent ones; a periodic re-list as a safety net. When the API cannot be listed or watched
/// (unreachable, forbidden, failing) the enumeration throws a <see cref="KubernetesDiscoveryException"/>
/// that says why; the node then keeps its last peers, reports itself degraded and enumerates again.
/// </summary>
internal sealed class EndpointSliceDiscovery : IPeerDiscovery, IDisposable
{
    private readonly KubernetesDiscoveryOptions _options;
    private readonly ILogger<EndpointSliceDiscovery> _logger;
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _selector;
    private readonly string _host;
    private HashSet<string> _reported = [];

    public EndpointSliceDiscovery(IOptions<KubernetesDiscoveryOptions> options, ILogger<EndpointSliceDiscovery> logger)
    {
        _options = options.Value;
        _logger = logger;
        var configuration = KubernetesConfiguration.Resolve(_options);
        _client = new k8s.Kubernetes(configuration);
        _namespace = _options.Namespace ?? configuration.Namespace ?? "default";
        _selector = $"kubernetes.io/service-name={_options.ServiceName}";
        _host = configuration.Host ?? "(unknown host)";
    }

    /// <summary>The namespace watched.</summary>
    public string Namespace => _namespace;

    public async IAsyncEnumerable<IReadOnlyList<DiscoveredPeer>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Only the latest full set matters: a slow consumer skips intermediate sets, never queues them.
        var channel = Channel.CreateBounded<IReadOnlyList<DiscoveredPeer>>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = RunAsync(channel.Writer, stop.Token);
        try
        {
            await foreach (var peers in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return peers;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task RunAsync(ChannelWriter<IReadOnlyList<DiscoveredPeer>> writer, CancellationToken cancellationToken)
    {
        try
        {
            KubernetesLog.Starting(_logger, _namespace, _options.ServiceName!, _options.PortName, _host);
            var slices = new Dictionary<string, V1EndpointSlice>(StringComparer.Ordinal);
            IReadOnlyList<DiscoveredPeer>? published = null;
            var resourceVersion = await ListAsync(slices, cancellationToken).ConfigureAwait(false);
            Publish(force: true);
            var listedAt = Stopwatch.GetTimestamp();
            var broken = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Stopwatch.GetElapsedTime(listedAt) >= _options.ResyncInterval)
                {
                    KubernetesLog.Resync(_logger, (long)_options.ResyncInterval.TotalMilliseconds);
                    resourceVersion = await ListAsync(slices, cancellationToken).ConfigureAwait(false);
                    listedAt = Stopwatch.GetTimestamp();
                    Publish(force: false);
                }

                var (outcome, version, reason) = await WatchOnceAsync(resourceVersion, slices, () => Publish(force: false), cancellationToken).ConfigureAwait(false);
                resourceVersion = version;
                switch (outcome)
                {
                    case WatchOutcome.Closed:
                        broken = 0;
                        break;
                    case WatchOutcome.Expired:
                        KubernetesLog.Expired(_logger, resourceVersion);
                        resourceVersion = await ListAsync(slices, cancellationToken).ConfigureAwait(false);
                        listedAt = Stopwatch.GetTimestamp();
                        Publish(force: false);
                        break;
                    case WatchOutcome.Broken:
                        // Events may have been lost: wait, then re-list and diff rather than trust the version.
                        broken++;
                        var delay = Backoff.Jittered(broken, _options.MinBackoff, _options.MaxBackoff);
                        KubernetesLog.WatchBroken(_logger, broken, (long)delay.TotalMilliseconds, reason ?? "unknown");
                        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                        resourceVersion = await ListAsync(slices, cancellationToken).ConfigureAwait(false);
                        listedAt = Stopwatch.GetTimestamp();
                        Publish(force: false);
                        break;
                }
            }

            void Publish(bool force)
            {
                var problems = new List<string>();
                var peers = EndpointSlicePeers.Compute(slices.Values, _options.PortName, problems);
                Report(problems);
                if (!force && published is not null && published.SequenceEqual(peers))
                {
                    return;
                }

                published = peers;
                KubernetesLog.PeersChanged(_logger, peers.Count(p => p.IsReady), peers.Count(p => !p.IsReady), string.Join(", ", peers.Select(p => p.IsReady ? p.Address : p.Address + " (terminating)")));
                writer.TryWrite(peers);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
        }
    }

    /// <summary>Lists every slice of the Service, page by page, into <paramref name="slices"/>; returns the list's version.</summary>
    private async Task<string> ListAsync(Dictionary<string, V1EndpointSlice> slices, CancellationToken cancellationToken)
    {
        var fresh = new Dictionary<string, V1EndpointSlice>(StringComparer.Ordinal);
        string? resourceVersion = null;
        string? continueToken = null;
        var pages = 0;
        var restarts = 0;
        do
        {
            V1EndpointSliceList page;
            try
            {
                page = await _client.DiscoveryV1.ListNamespacedEndpointSliceAsync(
                    _namespace,
                    continueParameter: continueToken,
                    labelSelector: _selector,
                    limit: _options.PageSize,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Gone && continueToken is not null && restarts < 3)
            {
                // The continue token outlived the server's history: start the list over.
                KubernetesLog.ContinueExpired(_logger);
                restarts++;
                fresh.Clear();
                continueToken = null;
                resourceVersion = null;
                pages = 0;
                continue;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw Describe(ex, "list");
            }

            pages++;
            resourceVersion ??= page.Metadata?.ResourceVersion;
            foreach (var slice in page.Items ?? [])
            {
                if (slice?.Metadata?.Name is { Length: > 0 } name)
                {
                    fresh[name] = slice;
                }
                else
                {
                    KubernetesLog.Malformed(_logger, "a listed EndpointSlice has no name");
                }
            }

            continueToken = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(continueToken));

        if (string.IsNullOrEmpty(resourceVersion))
        {
            throw new KubernetesDiscoveryException($"The Kubernetes API at {_host} answered the EndpointSlice list without a resourceVersion, so it cannot be watched.");
        }

        slices.Clear();
        foreach (var (name, slice) in fresh)
        {
            slices[name] = slice;
        }

        KubernetesLog.Listed(_logger, slices.Count, resourceVersion, pages);
        return resourceVersion;
    }

    /// <summary>Runs one watch from <paramref name="resourceVersion"/>, applying events to <paramref name="slices"/>.</summary>
    private async Task<(WatchOutcome Outcome, string ResourceVersion, string? Reason)> WatchOnceAsync(
        string resourceVersion,
        Dictionary<string, V1EndpointSlice> slices,
        Action changed,
        CancellationToken cancellationToken)
    {
        var timeoutSeconds = (int)Math.Max(1, _options.WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
        var silence = TimeSpan.FromSeconds(timeoutSeconds) + _options.WatchdogMargin;
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        watchdog.CancelAfter(silence);
        Exception? streamError = null;
        var events = 0;
        try
        {
            var stream = _client.DiscoveryV1.WatchListNamespacedEndpointSliceAsync(
                _namespace,
                allowWatchBookmarks: true,
                labelSelector: _selector,
                resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds,
                onError: error =>
                {
                    streamError ??= error;
                    if (error is not KubernetesException)
                    {
                        // An unreadable event: the client reports it here and would read on; events may have been
                        // lost, so end this watch now and re-list.
                        watchdog.Cancel();
                    }
                },
                cancellationToken: watchdog.Token);
            await foreach (var (type, slice) in stream.ConfigureAwait(false))
            {
                events++;
                watchdog.CancelAfter(silence);
                if (slice?.Metadata?.ResourceVersion is { Length: > 0 } version)
                {
                    resourceVersion = version;
                }

                switch (type)
                {
                    case WatchEventType.Added or WatchEventType.Modified when slice?.Metadata?.Name is { Length: > 0 } name:
                        slices[name] = slice;
                        changed();
                        break;
                    case WatchEventType.Deleted when slice?.Metadata?.Name is { Length: > 0 } name:
                        if (slices.Remove(name))
                        {
                            changed();
                        }

                        break;
                    case WatchEventType.Bookmark:
                        break;
                    default:
                        KubernetesLog.Malformed(_logger, $"a {type} watch event without an EndpointSlice name was ignored");
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested && streamError is not null and not KubernetesException)
        {
            return (WatchOutcome.Broken, resourceVersion, $"unreadable watch event: {streamError.Message}");
        }
        catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            KubernetesLog.WatchSilent(_logger, (long)silence.TotalMilliseconds);
            return (WatchOutcome.Broken, resourceVersion, $"no event for {silence.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex) when (events == 0 && ex.InnerException is EndOfStreamException)
        {
            // The client throws this for a watch the server closed before any event: a clean close.
            return (WatchOutcome.Closed, resourceVersion, null);
        }
        catch (Exception ex) when (events == 0 && IsRequestFailure(ex))
        {
            // The watch request itself was refused or could not be sent: the API is unreachable or forbids it.
            throw Describe(ex, "watch");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or InvalidOperationException or KubernetesException)
        {
            return (WatchOutcome.Broken, resourceVersion, ex.Message);
        }

        return streamError switch
        {
            null => (WatchOutcome.Closed, resourceVersion, null),
            KubernetesException { Status.Code: (int)HttpStatusCode.Gone } => (WatchOutcome.Expired, resourceVersion, null),
            KubernetesException { Status: { } status } => (WatchOutcome.Broken, resourceVersion, $"the watch ended with an error status {status.Code} {status.Reason}: {status.Message}"),
            _ => (WatchOutcome.Broken, resourceVersion, streamError.Message),
        };
    }

    /// <summary>True when the API refused the request or no connection could be made (not a stream cut later).</summary>
    private static bool IsRequestFailure(Exception ex) => ex is HttpOperationException or HttpRequestException
    {
        HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError,
    };

    private void Report(List<string> problems)
    {
        var current = problems.ToHashSet(StringComparer.Ordinal);
        foreach (var problem in current)
        {
            if (!_reported.Contains(problem))
            {
                KubernetesLog.Malformed(_logger, problem);
            }
        }

        _reported = current;
    }

    private KubernetesDiscoveryException Describe(Exception ex, string verb)
    {
        var resource = $"endpointslices (apiGroup discovery.k8s.io) in namespace '{_namespace}'";
        return ex switch
        {
            HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } http => new KubernetesDiscoveryException(
                $"Forbidden (403): this Pod's ServiceAccount may not {verb} {resource}. Missing permission: verbs [list, watch] on resource " +
                $"'endpointslices' in apiGroup 'discovery.k8s.io' — bind a Role granting them (deploy/base/role.yaml). API said: {StatusMessage(http)}",
                ex),
            HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized } http => new KubernetesDiscoveryException(
                $"Unauthorized (401) to {verb} {resource}: the client's credentials were rejected. API said: {StatusMessage(http)}", ex),
            HttpOperationException http => new KubernetesDiscoveryException(
                $"The Kubernetes API at {_host} failed to {verb} {resource}: {(int)http.Response.StatusCode} {http.Response.StatusCode}: {StatusMessage(http)}", ex),
            HttpRequestException or IOException or OperationCanceledException => new KubernetesDiscoveryException(
                $"The Kubernetes API at {_host} is unreachable ({verb} {resource}): {ex.Message}", ex),
            JsonException => new KubernetesDiscoveryException(
                $"The Kubernetes API at {_host} answered the EndpointSlice {verb} with a malformed body: {ex.Message}", ex),
            _ => new KubernetesDiscoveryException($"Kubernetes discovery could not {verb} {resource}: {ex.Message}", ex),
        };
    }

    private static string StatusMessage(HttpOperationException ex)
    {
        var content = ex.Response.Content;
        if (string.IsNullOrWhiteSpace(content))
        {
            return ex.Message;
        }

        try
        {
            return KubernetesJson.Deserialize<V1Status>(content).Message ?? content;
        }
        catch (JsonException)
        {
            return content.Length > 200 ? content[..200] : content;
        }
    }
}
