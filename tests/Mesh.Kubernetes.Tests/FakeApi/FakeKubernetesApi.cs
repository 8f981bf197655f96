using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Kubernetes.Tests.FakeApi;

/// <summary>
/// A protocol-faithful fake of the Kubernetes API for <c>discovery.k8s.io/v1</c> EndpointSlices, over real
/// HTTP on loopback (Kestrel): list with label selectors, a monotonic <c>resourceVersion</c>, <c>limit</c> +
/// <c>continue</c> pagination (410 for an expired token); watch as a chunked stream of one-line JSON events
/// (synthetic ADDED for an unset or "0" version, replay after a given version, 410 ERROR past the compaction
/// point, bookmarks on request, clean close at <c>timeoutSeconds</c>); Status JSON errors; and fault
/// injection: cut watches, silent (half-open) watches, forbidden/unavailable answers, garbage, restart.
/// </summary>
internal sealed class FakeKubernetesApi : IAsyncDisposable
{
    private const string Prefix = "/apis/discovery.k8s.io/v1/namespaces/";
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Namespace, string Name), V1EndpointSlice> _objects = [];
    private readonly List<(long Version, string Type, V1EndpointSlice Object, V1EndpointSlice? Previous)> _history = [];
    private readonly Dictionary<string, (long Version, List<V1EndpointSlice> Remaining)> _continuations = [];
    private readonly List<FakeWatch> _watches = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _watchWaiters = [];
    private readonly List<string> _watchVersions = [];
    private WebApplication? _app;
    private long _version;
    private long _compacted;
    private int _watchRequests;
    private int _listRequests;
    private bool _silent;

    private FakeKubernetesApi(long firstVersion) => _version = _compacted = firstVersion;

    public int Port { get; private set; }

    public string Host => $"http://127.0.0.1:{Port}";

    /// <summary>When set, every request is answered with this status (Status JSON body).</summary>
    public HttpStatusCode? FailWith { get; set; }

    /// <summary>
    /// The real API server refuses loopback endpoint addresses (422 "may not be in the loopback range"), and so
    /// does this fake unless a test sets this: in-process tests whose nodes listen on 127.x addresses.
    /// </summary>
    public bool AllowLoopbackEndpoints { get; set; }

    /// <summary>When set, the next list request carrying a continue token is answered 410, as after a compaction.</summary>
    public bool ExpireNextContinue { get; set; }

    /// <summary>When set, lists are answered 200 with a body that is not JSON.</summary>
    public bool GarbageLists { get; set; }

    public int WatchRequests => Volatile.Read(ref _watchRequests);

    public int ListRequests => Volatile.Read(ref _listRequests);

    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    /// <summary>The resourceVersion each watch asked for, in order ("" when unset).</summary>
    public IReadOnlyList<string> WatchVersions
    {
        get
        {
            lock (_gate)
            {
                return [.. _watchVersions];
            }
        }
    }

    public static async Task<FakeKubernetesApi> StartAsync(long firstVersion = 1000)
    {
        var api = new FakeKubernetesApi(firstVersion);
        await api.ListenAsync(0);
        return api;
    }

    public KubernetesClientConfiguration ClientConfiguration() => new() { Host = Host, Namespace = "mesh-test" };

    /// <summary>
    /// Creates or replaces a slice, as a write to the real API server would: watches whose selector matched the
    /// slice before and after get MODIFIED (ADDED when it is new), those it now matches ADDED, those it no longer
    /// matches (a label removed) DELETED. Returns the slice with its new resourceVersion.
    /// </summary>
    public V1EndpointSlice Apply(V1EndpointSlice slice)
    {
        if (!AllowLoopbackEndpoints && slice.Endpoints?.SelectMany(e => e.Addresses ?? []).FirstOrDefault(a => IPAddress.TryParse(a, out var ip) && IPAddress.IsLoopback(ip)) is { } loopback)
        {
            throw new ArgumentException($"422 Unprocessable Entity: EndpointSlice.discovery.k8s.io \"{slice.Metadata?.Name}\" is invalid: endpoints[0].addresses[0]: Invalid value: \"{loopback}\": may not be in the loopback range (127.0.0.0/8, ::1/128)", nameof(slice));
        }

        lock (_gate)
        {
            var key = (slice.Metadata.NamespaceProperty ??= "mesh-test", slice.Metadata.Name);
            _objects.TryGetValue(key, out var previous);
            var type = previous is not null ? "MODIFIED" : "ADDED";
            var stored = Clone(slice);
            stored.Metadata.ResourceVersion = (++_version).ToString(CultureInfo.InvariantCulture);
            stored.Metadata.Uid ??= previous?.Metadata.Uid ?? Guid.NewGuid().ToString();
            _objects[key] = stored;
            Record(type, stored, previous);
            return Clone(stored);
        }
    }

    public void Delete(string name, string ns = "mesh-test")
    {
        lock (_gate)
        {
            if (_objects.Remove((ns, name), out var removed))
            {
                removed.Metadata.ResourceVersion = (++_version).ToString(CultureInfo.InvariantCulture);
                Record("DELETED", removed, null);
            }
        }
    }

    /// <summary>Sends a BOOKMARK with the current version to every watch that asked for bookmarks.</summary>
    public void SendBookmarks()
    {
        lock (_gate)
        {
            var line = Event("BOOKMARK", new V1EndpointSlice
            {
                ApiVersion = "discovery.k8s.io/v1",
                Kind = "EndpointSlice",
                Metadata = new V1ObjectMeta { ResourceVersion = _version.ToString(CultureInfo.InvariantCulture) },
            });
            foreach (var watch in _watches.Where(w => w.Bookmarks))
            {
                watch.Send(line);
            }
        }
    }

    /// <summary>Forgets the event history: a watch from an older version gets a 410 ERROR event, an old continue token a 410.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _continuations.Clear();
            _compacted = _version;
        }
    }

    /// <summary>Cuts every open watch mid-stream (the TCP connection is reset).</summary>
    public void DropWatches()
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Context.Abort();
            }
        }
    }

    /// <summary>Ends every open watch cleanly, as its <c>timeoutSeconds</c> would.</summary>
    public void CloseWatches()
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Complete();
            }
        }
    }

    /// <summary>Open and future watches receive nothing and never close by themselves (a half-open connection).</summary>
    public void Silence(bool silent)
    {
        lock (_gate)
        {
            _silent = silent;
            foreach (var watch in _watches)
            {
                watch.Silent = silent;
            }
        }
    }

    /// <summary>Writes a line that is not a watch event to every open watch.</summary>
    public void SendGarbage()
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Send("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":42,");
            }
        }
    }

    /// <summary>Stops serving (connections cut, port closed) until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        var app = _app;
        _app = null;
        if (app is not null)
        {
            DropWatches();
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(stopTimeout.Token);
            await app.DisposeAsync();
        }
    }

    /// <summary>Serves again on the same port, the versions jumped ahead and the history lost, as after an etcd restore.</summary>
    public async Task StartAgainAsync(long versionJump)
    {
        lock (_gate)
        {
            _version += versionJump;
            _history.Clear();
            _continuations.Clear();
            _compacted = _version;
        }

        await ListenAsync(Port);
    }

    /// <summary>Completes once at least <paramref name="count"/> watch requests have been accepted in total.</summary>
    public Task WaitForWatchesAsync(int count)
    {
        lock (_gate)
        {
            if (_watchRequests >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _watchWaiters.Add((count, signal));
            return signal.Task;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    private void Record(string type, V1EndpointSlice stored, V1EndpointSlice? previous)
    {
        var version = long.Parse(stored.Metadata.ResourceVersion, CultureInfo.InvariantCulture);
        _history.Add((version, type, stored, previous));
        foreach (var watch in _watches)
        {
            if (EventFor(watch, type, stored, previous) is { } line)
            {
                watch.Send(line);
            }
        }
    }

    /// <summary>The event a watch sees for a change, or null when its selector matches neither version of the object.</summary>
    private static string? EventFor(FakeWatch watch, string type, V1EndpointSlice stored, V1EndpointSlice? previous)
    {
        var now = Matches(watch, stored);
        var before = previous is not null && Matches(watch, previous);
        if (type != "MODIFIED" || now == before)
        {
            return now || before ? Event(type, stored) : null;
        }

        if (now)
        {
            return Event("ADDED", stored);
        }

        // The object left the selector: the watch sees it deleted, in its last matching state at the new version.
        var gone = Clone(previous!);
        gone.Metadata.ResourceVersion = stored.Metadata.ResourceVersion;
        return Event("DELETED", gone);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!HttpMethods.IsGet(context.Request.Method) || !path.StartsWith(Prefix, StringComparison.Ordinal) || !path.EndsWith("/endpointslices", StringComparison.Ordinal))
        {
            await StatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource ({path})");
            return;
        }

        var ns = path[Prefix.Length..^"/endpointslices".Length];
        var query = context.Request.Query;
        var watch = query["watch"] is var w && (w == "true" || w == "1");
        if (FailWith is { } failure)
        {
            await FailAsync(context, failure, ns, watch);
            return;
        }

        LabelSelector selector;
        try
        {
            selector = new LabelSelector(query["labelSelector"]);
        }
        catch (FormatException ex)
        {
            await StatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", ex.Message);
            return;
        }

        if (watch)
        {
            await WatchAsync(context, ns, selector);
        }
        else
        {
            await ListAsync(context, ns, selector);
        }
    }

    private async Task ListAsync(HttpContext context, string ns, LabelSelector selector)
    {
        Interlocked.Increment(ref _listRequests);
        if (GarbageLists)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("<html>this is not the API</html>");
            return;
        }

        var limit = int.TryParse(context.Request.Query["limit"], out var l) && l > 0 ? l : int.MaxValue;
        string? token = context.Request.Query["continue"];
        long version;
        List<V1EndpointSlice> items;
        lock (_gate)
        {
            if (!string.IsNullOrEmpty(token))
            {
                if (ExpireNextContinue)
                {
                    ExpireNextContinue = false;
                    items = [];
                    version = 0;
                }
                else if (!_continuations.Remove(token, out var continuation) || continuation.Version < _compacted)
                {
                    items = [];
                    version = 0;
                }
                else
                {
                    (version, items) = continuation;
                }
            }
            else
            {
                version = _version;
                items = [.. _objects.Values.Where(o => o.Metadata.NamespaceProperty == ns && selector.Matches(o.Metadata.Labels)).OrderBy(o => o.Metadata.Name, StringComparer.Ordinal).Select(Clone)];
            }

            if (version == 0)
            {
                token = null;
            }
            else if (items.Count > limit)
            {
                token = Guid.NewGuid().ToString("N");
                _continuations[token] = (version, items[limit..]);
                items = items[..limit];
            }
            else
            {
                token = "";
            }
        }

        if (token is null)
        {
            await StatusAsync(context, HttpStatusCode.Gone, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
            return;
        }

        var list = new V1EndpointSliceList
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSliceList",
            Metadata = new V1ListMeta { ResourceVersion = version.ToString(CultureInfo.InvariantCulture), ContinueProperty = token.Length == 0 ? null : token },
            Items = items,
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(KubernetesJson.Serialize(list));
    }

    private Task FailAsync(HttpContext context, HttpStatusCode failure, string ns, bool watch)
    {
        var (reason, message) = failure == HttpStatusCode.Forbidden
            ? ("Forbidden", $"endpointslices.discovery.k8s.io is forbidden: User \"system:serviceaccount:{ns}:mesh\" cannot {(watch ? "watch" : "list")} resource \"endpointslices\" in API group \"discovery.k8s.io\" in the namespace \"{ns}\"")
            : (failure.ToString(), $"the server is unable to handle the request ({(int)failure})");
        return StatusAsync(context, failure, reason, message);
    }

    private async Task WatchAsync(HttpContext context, string ns, LabelSelector selector)
    {
        var query = context.Request.Query;
        string? from = query["resourceVersion"];
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(query["timeoutSeconds"], out var t) && t > 0 ? TimeSpan.FromSeconds(t) : Timeout.InfiniteTimeSpan;
        FakeWatch watch;
        HttpStatusCode? refused;
        lock (_gate)
        {
            // A failure mode switched on after the request passed the first check (and after DropWatches ran)
            // must still refuse it, or the watch would outlive the drop.
            refused = FailWith;
            watch = new FakeWatch(context, ns, selector, bookmarks, _silent);
            _watchVersions.Add(from ?? "");
            if (refused is not null)
            {
                watch.Complete();
            }
            else if (string.IsNullOrEmpty(from) || from == "0")
            {
                foreach (var item in _objects.Values.Where(o => Matches(watch, o)).OrderBy(o => o.Metadata.Name, StringComparer.Ordinal))
                {
                    watch.Send(Event("ADDED", item));
                }

                _watches.Add(watch);
            }
            else if (!long.TryParse(from, CultureInfo.InvariantCulture, out var start) || start < _compacted)
            {
                watch.Send($"{{\"type\":\"ERROR\",\"object\":{StatusJson(HttpStatusCode.Gone, "Expired", $"too old resource version: {from} ({_compacted})")}}}");
                watch.Complete();
            }
            else
            {
                foreach (var (_, type, item, previous) in _history.Where(h => h.Version > start))
                {
                    if (EventFor(watch, type, item, previous) is { } line)
                    {
                        watch.Send(line);
                    }
                }

                _watches.Add(watch);
            }

            _watchRequests++;
            foreach (var waiter in _watchWaiters.Where(x => _watchRequests >= x.Count).ToList())
            {
                _watchWaiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }
        }

        if (refused is { } failure)
        {
            await FailAsync(context, failure, ns, watch: true);
            return;
        }

        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync();
            await context.Response.Body.FlushAsync();
            using var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            if (!watch.Silent)
            {
                ends.CancelAfter(timeout);
            }

            await foreach (var line in watch.Lines.ReadAllAsync(ends.Token))
            {
                await context.Response.WriteAsync(line + "\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds elapsed (a clean close), or the client went away.
        }
        catch (IOException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _watches.Remove(watch);
            }
        }
    }

    private static bool Matches(FakeWatch watch, V1EndpointSlice slice)
        => slice.Metadata.NamespaceProperty == watch.Namespace && watch.Selector.Matches(slice.Metadata.Labels);

    private static string Event(string type, V1EndpointSlice slice)
        => $"{{\"type\":\"{type}\",\"object\":{KubernetesJson.Serialize(slice)}}}";

    /// <summary>A <c>Status</c> object as the API server writes it (the client's V1Status converter only reads).</summary>
    private static string StatusJson(HttpStatusCode code, string reason, string message)
        => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new Dictionary<string, object>(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = (int)code,
        });

    private static V1EndpointSlice Clone(V1EndpointSlice slice) => KubernetesJson.Deserialize<V1EndpointSlice>(KubernetesJson.Serialize(slice));

    private static async Task StatusAsync(HttpContext context, HttpStatusCode code, string reason, string message)
    {
        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(StatusJson(code, reason, message), Encoding.UTF8);
    }
}
