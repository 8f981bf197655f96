using System.Diagnostics;
using Mesh.Balancing;
using Mesh.Diagnostics;
using Mesh.Invocation;
using Mesh.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Calls;

/// <summary>
/// The router: what every call of this node shares on its way out. For each attempt it asks the service's
/// balancing policy for a peer among the ready peers hosting the service (<see cref="PeerDirectory"/>), or, for a
/// keyed call, <see cref="BoundedLoadHashing"/> over the peers' <see cref="KeyRing"/>, and returns the link to send
/// on; each call's own state is an <see cref="InvokeOperation{TResult}"/>, which asks <see cref="CallFailures"/>
/// whether a failed attempt may go elsewhere.
/// </summary>
internal sealed class CallRouter
{
    private readonly PeerDirectory _directory;
    private readonly Balancer _balancer;

    public CallRouter(PeerDirectory directory, Balancer balancer, IPayloadSerializer serializer, MeshMetrics metrics, IOptions<MeshOptions> options, ILogger<CallRouter> logger)
    {
        _directory = directory;
        _balancer = balancer;
        Serializer = serializer;
        Metrics = metrics;
        Logger = logger;
        Deadline = options.Value.DefaultDeadline;
        DeadlineTicks = (long)(Deadline.TotalSeconds * Stopwatch.Frequency);
        MaxFrameSize = options.Value.MaxFrameSize;
        StreamCreditItems = (uint)Math.Max(1, options.Value.StreamCreditItems);
        StreamCreditBytes = (uint)Math.Max(1, options.Value.StreamCreditBytes);
    }

    /// <summary>The credit, in items, each stream is opened with (<see cref="MeshOptions.StreamCreditItems"/>).</summary>
    public uint StreamCreditItems { get; }

    /// <summary>The credit, in bytes, each stream is opened with (<see cref="MeshOptions.StreamCreditBytes"/>).</summary>
    public uint StreamCreditBytes { get; }

    /// <summary>Every call's deadline (<see cref="MeshOptions.DefaultDeadline"/>).</summary>
    public TimeSpan Deadline { get; }

    /// <summary><see cref="Deadline"/> in <see cref="Stopwatch"/> ticks.</summary>
    public long DeadlineTicks { get; }

    /// <summary>The largest request a call may send (<see cref="MeshOptions.MaxFrameSize"/>).</summary>
    public int MaxFrameSize { get; }

    public IPayloadSerializer Serializer { get; }

    public MeshMetrics Metrics { get; }

    public ILogger Logger { get; }

    /// <summary>
    /// The link for the next attempt of <paramref name="method"/>, avoiding the peers of
    /// <paramref name="excluded"/> (tried already); throws the call's final failure when no peer is left. Null (with
    /// <paramref name="linksChanged"/>) while the node is still making its first links: the call may wait for them.
    /// </summary>
    /// <param name="method">The method called.</param>
    /// <param name="excluded">Links of peers already tried; null or empty on a first attempt.</param>
    /// <param name="lastFailure">Why the previous attempt failed, if it did (decides the final exception).</param>
    /// <param name="linksChanged">When the result is null: completes when the node's links change.</param>
    /// <param name="key">The call's routing key (<see cref="OutgoingRequest.RoutingKey"/>), or null for an unkeyed call.</param>
    public ClientLink? Pick(MeshMethod method, List<ClientLink>? excluded, Exception? lastFailure, out Task? linksChanged, ulong? key = null)
    {
        linksChanged = null;
        // A pooled operation keeps its (cleared) list: only a non-empty one means a retry.
        var tried = excluded is { Count: > 0 } ? excluded : null;
        var all = _directory.For(method.ServiceId);
        var candidates = all;
        if (tried is not null && !candidates.IsEmpty)
        {
            candidates = candidates.Without(tried);
        }

        if (candidates.IsEmpty)
        {
            if (tried is not null)
            {
                throw CallFailures.NoPeerLeft(method, tried.Count, lastFailure);
            }

            if (_directory.Count == 0 && _directory.IsStarting)
            {
                linksChanged = _directory.Changed;
                return null;
            }

            if (_directory.Count == 0)
            {
                throw new PeerUnavailableException(_directory.LastLinkFailure is { } failure
                    ? $"No peer is linked, so {method} cannot be sent; {failure}."
                    : $"No peer is linked, so {method} cannot be sent; check the mesh's discovery settings and that peers are running.");
            }

            throw new UnknownServiceException(method.ServiceName, $"none of the {_directory.Count} linked peers hosts it");
        }

        if (key is { } routingKey)
        {
            // Keyed: the ring of every peer of the service (so a retry does not rebuild one), skipping those tried.
            var skipped = tried is null ? default(ReadOnlySpan<PeerStats>) : [.. tried.Select(link => link.Stats)];
            return all.Connection(_balancer.Keyed.Pick(all.Stats, all.Ring, routingKey, skipped));
        }

        return candidates.Connection(_balancer.For(method.ServiceId).Pick(candidates.Stats));
    }
}
