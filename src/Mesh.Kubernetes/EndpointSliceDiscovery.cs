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
/// Peers from the EndpointSlices of one Service: list (paginated; an expired continue token starts the list
/// over) then watch from the list's resource version, asking for bookmarks and tracking them; a closed, cut or
/// silent watch resumes from the last version seen; only a 410 (that version left the server's history) re-lists
/// and diffs; a watchdog restarts watches quiet past the bookmark interval; a periodic re-list is a safety net. When the API cannot be listed or watched
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
    /// <summary>How often API servers send a bookmark to a watch that asked for them (client-go's assumption too).</summary>
    private static readonly TimeSpan BookmarkInterval = TimeSpan.FromMinutes(1);

    private const int MaxListRestarts = 3;
    private HashSet<string> _reported = [];
    private string? _resourceVersion;

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

    /// <summary>The last resource version seen (list, event or bookmark); null before the first list.</summary>
    public string? ResourceVersion => Volatile.Read(ref _resourceVersion);

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
            var failures = 0;
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

                var watch = await WatchOnceAsync(resourceVersion, slices, () => Publish(force: false), failures, cancellationToken).ConfigureAwait(false);
                resourceVersion = watch.ResourceVersion;
                Volatile.Write(ref _resourceVersion, resourceVersion);
                switch (watch.Outcome)
                {
                    case WatchOutcome.Closed:
                        failures = 0;
                        break;
                    case WatchOutcome.Expired:
                        failures = 0;
                        KubernetesLog.Expired(_logger, resourceVersion);
                        resourceVersion = await ListAsync(slices, cancellationToken).ConfigureAwait(false);
                        listedAt = Stopwatch.GetTimestamp();
                        Publish(force: false);
                        break;
                    case WatchOutcome.Broken:
                        // The server replays every change after the last version seen, so resuming from it loses
                        // nothing; only a 410 (the version left the server's history) calls for a re-list.
                        failures = watch.Events > 0 ? 1 : failures + 1;
                        var delay = Backoff.Jittered(failures, _options.MinBackoff, _options.MaxBackoff);
                        if (watch.Events == 0)
                        {
                            // Cut before its first event (a server closing, a GOAWAY): not a discovery failure.
                            KubernetesLog.WatchCutEarly(_logger, (long)delay.TotalMilliseconds, resourceVersion, watch.Reason ?? "unknown");
                        }
                        else
                        {
                            KubernetesLog.WatchBroken(_logger, failures, (long)delay.TotalMilliseconds, resourceVersion, watch.Reason ?? "unknown");
                        }

                        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }

            void Publish(bool force)
            {
                var problems = new List<string>();
                var peers = EndpointSlicePeers.Compute(slices.Values, _options.PortName, _options.PreferredAddressFamily, problems);
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
        while (true)
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
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Gone && continueToken is not null && restarts < MaxListRestarts)
            {
                // The continue token outlived the server's history: start the list over from the first page.
                restarts++;
                KubernetesLog.ContinueExpired(_logger, restarts, pages);
                fresh.Clear();
                continueToken = null;
                resourceVersion = null;
                pages = 0;
                continue;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Gone && continueToken is not null)
            {
                throw new KubernetesDiscoveryException(
                    $"The Kubernetes API at {_host} expired the EndpointSlice list's continue token {restarts + 1} times in a row (410 Gone): " +
                    $"the list of {_options.PageSize} slices per page does not finish within the server's history; raise KubernetesDiscoveryOptions.PageSize.",
                    ex);
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
            if (string.IsNullOrEmpty(continueToken))
            {
                break;
            }
        }

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
        Volatile.Write(ref _resourceVersion, resourceVersion);
        return resourceVersion;
    }

    /// <summary>Runs one watch from <paramref name="resourceVersion"/>, applying events to <paramref name="slices"/>.</summary>
    private async Task<WatchResult> WatchOnceAsync(
        string resourceVersion,
        Dictionary<string, V1EndpointSlice> slices,
        Action changed,
        int failuresBefore,
        CancellationToken cancellationToken)
    {
        var timeoutSeconds = (int)Math.Max(1, _options.WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
        var silence = WatchdogSilence(TimeSpan.FromSeconds(timeoutSeconds), _options.WatchdogMargin);
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
                    Volatile.Write(ref _resourceVersion, version);
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
            return new(WatchOutcome.Broken, resourceVersion, events, $"unreadable watch event: {streamError.Message}");
        }
        catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            KubernetesLog.WatchSilent(_logger, (long)silence.TotalMilliseconds);
            return new(WatchOutcome.Broken, resourceVersion, Math.Max(events, 1), $"no event for {silence.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex) when (events == 0 && ex.InnerException is EndOfStreamException)
        {
            // The client throws this for a watch the server closed before any event: a clean close.
            return new(WatchOutcome.Closed, resourceVersion, 0, null);
        }
        catch (HttpOperationException ex)
        {
            // The API answered the watch request with an error status (403, 401, 5xx): say why.
            throw Describe(ex, "watch");
        }
        catch (Exception ex) when (events == 0 && failuresBefore > 0 && IsRequestFailure(ex))
        {
            // Connecting failed again after a cut: the API is unreachable.
            throw Describe(ex, "watch");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or InvalidOperationException or KubernetesException)
        {
            return new(WatchOutcome.Broken, resourceVersion, events, ex.Message);
        }

        return streamError switch
        {
            null => new(WatchOutcome.Closed, resourceVersion, events, null),
            KubernetesException { Status.Code: (int)HttpStatusCode.Gone } => new(WatchOutcome.Expired, resourceVersion, events, null),
            KubernetesException { Status: { } status } => new(WatchOutcome.Broken, resourceVersion, events, $"the watch ended with an error status {status.Code} {status.Reason}: {status.Message}"),
            _ => new(WatchOutcome.Broken, resourceVersion, Math.Max(events, 1), streamError.Message),
        };
    }

    /// <summary>
    /// How long a watch may stay quiet before the watchdog restarts it: a healthy watch is never quiet longer
    /// than its timeout, nor (bookmarks were asked for) than the server's bookmark interval; plus the margin.
    /// </summary>
    internal static TimeSpan WatchdogSilence(TimeSpan watchTimeout, TimeSpan margin)
        => (watchTimeout < BookmarkInterval ? watchTimeout : BookmarkInterval) + margin;

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
