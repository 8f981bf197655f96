using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mesh.Diagnostics;

/// <summary>
/// The runtime's metrics, on the meter <c>Mesh</c> created through the host's <see cref="IMeterFactory"/>. Call
/// durations follow OpenTelemetry's RPC semantic conventions (<c>rpc.client.call.duration</c>,
/// <c>rpc.server.call.duration</c> in seconds, tagged <c>rpc.system</c>, <c>rpc.service</c>, <c>rpc.method</c>,
/// <c>server.address</c>, <c>error.type</c>); the rest are Mesh's own (<c>mesh.*</c>). Tags are bounded: services,
/// methods, peers, roles and reasons, never a call or a key. Every recording checks <c>Enabled</c> first, so with no
/// listener a call pays a few field reads.
/// </summary>
internal sealed class MeshMetrics
{
    /// <summary>The <c>rpc.system</c> tag's value.</summary>
    public const string RpcSystem = "mesh";

    // Buckets for call durations (seconds): OpenTelemetry's recommendation for RPC durations, from 5 ms down to
    // 0.1 ms added because a call on a local network takes tens of microseconds.
    private static readonly double[] DurationBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    public MeshMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeshDiagnostics.Name);
        ClientDuration = Meter.CreateHistogram<double>(
            "rpc.client.call.duration", "s", "Duration of calls made through generated clients, retries included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        ServerDuration = Meter.CreateHistogram<double>(
            "rpc.server.call.duration", "s", "Duration of calls served by this node, from admission to answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        ClientRetries = Meter.CreateCounter<long>("mesh.client.retries", "{attempt}", "Attempts sent again to another peer, by reason.");
        ServerRefusals = Meter.CreateCounter<long>("mesh.server.refusals", "{call}", "Calls this node refused without running them, by reason.");
        ServerActive = Meter.CreateUpDownCounter<long>("mesh.server.active_calls", "{call}", "Calls admitted on this node and not yet answered (drain progress while draining).");
        Picks = Meter.CreateCounter<long>("mesh.balancer.picks", "{pick}", "Attempts the balancer sent to each peer.");
        LinksActive = Meter.CreateUpDownCounter<long>("mesh.link.active", "{connection}", "Open links, by role (client: to a peer; server: from a caller).");
        LinkConnects = Meter.CreateCounter<long>("mesh.link.connects", "{connection}", "Links that completed their handshake, by role.");
        LinkFailures = Meter.CreateCounter<long>("mesh.link.failures", "{connection}", "Links that could not be made or were refused at the handshake, by role and reason.");
        LinkBytes = Meter.CreateCounter<long>("mesh.link.io", "By", "Bytes of frames received and sent on links, by role and direction.");
    }

    /// <summary>The meter, for observable instruments whose owners read them (the node's peers, for example).</summary>
    public Meter Meter { get; }

    /// <summary>Duration of calls made through generated clients (<c>rpc.client.call.duration</c>).</summary>
    public Histogram<double> ClientDuration { get; }

    /// <summary>Duration of calls served by this node (<c>rpc.server.call.duration</c>).</summary>
    public Histogram<double> ServerDuration { get; }

    /// <summary>Attempts sent again to another peer, tagged <c>rpc.service</c> and <c>mesh.retry.reason</c>.</summary>
    public Counter<long> ClientRetries { get; }

    /// <summary>Calls refused without running, tagged <c>mesh.refusal.reason</c> (and <c>rpc.service</c> when hosted).</summary>
    public Counter<long> ServerRefusals { get; }

    /// <summary>Calls admitted and not yet answered on this node.</summary>
    public UpDownCounter<long> ServerActive { get; }

    /// <summary>Attempts sent to each peer (<c>mesh.peer</c>): the balancer's share of picks.</summary>
    public Counter<long> Picks { get; }

    /// <summary>Open links, tagged <c>mesh.link.role</c>.</summary>
    public UpDownCounter<long> LinksActive { get; }

    /// <summary>Links that completed their handshake, tagged <c>mesh.link.role</c>.</summary>
    public Counter<long> LinkConnects { get; }

    /// <summary>Links not made or refused at the handshake, tagged <c>mesh.link.role</c> and <c>mesh.link.failure</c>.</summary>
    public Counter<long> LinkFailures { get; }

    /// <summary>Frame bytes, tagged <c>mesh.link.role</c> and <c>network.io.direction</c> (<c>receive</c>, <c>transmit</c>).</summary>
    public Counter<long> LinkBytes { get; }

    /// <summary>Records one finished client call.</summary>
    public void RecordClientCall(string service, string method, string? peer, Exception? error, double seconds)
    {
        if (!ClientDuration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "rpc.system", RpcSystem },
            { "rpc.service", service },
            { "rpc.method", method },
        };
        if (peer is not null)
        {
            tags.Add("server.address", peer);
        }

        if (error is not null)
        {
            tags.Add("error.type", ErrorType(error));
        }

        ClientDuration.Record(seconds, tags);
    }

    /// <summary>Records one call this node served; <paramref name="errorType"/> null when it returned.</summary>
    public void RecordServerCall(string service, string method, string? errorType, double seconds)
    {
        if (!ServerDuration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "rpc.system", RpcSystem },
            { "rpc.service", service },
            { "rpc.method", method },
        };
        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        ServerDuration.Record(seconds, tags);
    }

    /// <summary>Counts an attempt sent again because of <paramref name="reason"/>.</summary>
    public void RecordRetry(string service, string reason)
    {
        if (ClientRetries.Enabled)
        {
            ClientRetries.Add(1, new KeyValuePair<string, object?>("rpc.service", service), new KeyValuePair<string, object?>("mesh.retry.reason", reason));
        }
    }

    /// <summary>Counts a call refused because of <paramref name="reason"/>.</summary>
    public void RecordRefusal(string? service, string reason)
    {
        if (!ServerRefusals.Enabled)
        {
            return;
        }

        if (service is null)
        {
            ServerRefusals.Add(1, new KeyValuePair<string, object?>("mesh.refusal.reason", reason));
        }
        else
        {
            ServerRefusals.Add(1, new KeyValuePair<string, object?>("rpc.service", service), new KeyValuePair<string, object?>("mesh.refusal.reason", reason));
        }
    }

    /// <summary>Counts an attempt sent to peer <paramref name="peer"/>.</summary>
    public void RecordPick(string peer)
    {
        if (Picks.Enabled)
        {
            Picks.Add(1, new KeyValuePair<string, object?>("mesh.peer", peer));
        }
    }

    /// <summary>A link of <paramref name="role"/> completed its handshake (<paramref name="delta"/> 1) or closed (-1).</summary>
    public void RecordLink(string role, int delta)
    {
        var tag = new KeyValuePair<string, object?>("mesh.link.role", role);
        LinksActive.Add(delta, tag);
        if (delta > 0)
        {
            LinkConnects.Add(1, tag);
        }
    }

    /// <summary>A link of <paramref name="role"/> failed before it could carry calls, because of <paramref name="reason"/>.</summary>
    public void RecordLinkFailure(string role, string reason)
        => LinkFailures.Add(1, new KeyValuePair<string, object?>("mesh.link.role", role), new KeyValuePair<string, object?>("mesh.link.failure", reason));

    /// <summary>Counts <paramref name="bytes"/> of frames received or sent on a link of <paramref name="role"/>.</summary>
    public void RecordBytes(string role, bool received, long bytes)
    {
        if (LinkBytes.Enabled)
        {
            LinkBytes.Add(bytes, new KeyValuePair<string, object?>("mesh.link.role", role), new KeyValuePair<string, object?>("network.io.direction", received ? "receive" : "transmit"));
        }
    }

    /// <summary>The <c>error.type</c> of a failure: its type's full name (a bounded set: Mesh's typed failures and the OCE).</summary>
    public static string ErrorType(Exception error) => error.GetType().FullName ?? error.GetType().Name;
}
