using System.Diagnostics;
using System.Runtime.CompilerServices;
using Mesh.Balancing;
using Mesh.Diagnostics;
using Mesh.Invocation;
using Mesh.Membership;
using Mesh.Serialization;
using Mesh.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Calls;

/// <summary>
/// The router: for each call, asks the balancing policy for a link among ready peers hosting the service,
/// sends the request, and awaits the response within the call's deadline. A call is sent again, to another
/// peer, only when it provably did not execute (link closing or at its in-flight limit before the write,
/// peer refused it: draining, overloaded, not hosting the service). The call path allocates nothing of its
/// own: requests, pending calls and each call's state (<see cref="InvokeOperation{TResult}"/>) are pooled, the
/// deadline is a pooled timer.
/// </summary>
internal sealed class MeshInvoker : IMeshInvoker
{
    private readonly PeerDirectory _directory;
    private readonly Balancer _balancer;
    private readonly IPayloadSerializer _serializer;
    private readonly ILogger<MeshInvoker> _logger;
    private readonly TimeSpan _deadline;
    private readonly long _deadlineTicks;
    private readonly int _maxFrameSize;

    public MeshInvoker(PeerDirectory directory, Balancer balancer, IPayloadSerializer serializer, IOptions<MeshOptions> options, ILogger<MeshInvoker> logger)
    {
        _directory = directory;
        _balancer = balancer;
        _serializer = serializer;
        _logger = logger;
        _deadline = options.Value.DefaultDeadline;
        _deadlineTicks = (long)(_deadline.TotalSeconds * Stopwatch.Frequency);
        _maxFrameSize = options.Value.MaxFrameSize;
    }

    public OutgoingRequest CreateRequest(MeshMethod method) => RequestBuilder.Rent(method, _serializer, _maxFrameSize);

    /// <summary>The call deadline (<see cref="MeshOptions.DefaultDeadline"/>).</summary>
    internal TimeSpan Deadline => _deadline;

    /// <summary><see cref="Deadline"/> in <see cref="Stopwatch"/> ticks.</summary>
    internal long DeadlineTicks => _deadlineTicks;

    internal IPayloadSerializer Serializer => _serializer;

    internal ILogger Logger => _logger;

    public ValueTask InvokeAsync(OutgoingRequest request, CancellationToken cancellationToken)
        => InvokeOperation<bool>.Start(this, AsBuilder(request), deserialize: false, cancellationToken).AsVoidValueTask();

    public ValueTask<TResult> InvokeAsync<TResult>(OutgoingRequest request, CancellationToken cancellationToken)
        => InvokeOperation<TResult>.Start(this, AsBuilder(request), deserialize: true, cancellationToken).AsValueTask();

    private static RequestBuilder AsBuilder(OutgoingRequest request)
        => request as RequestBuilder ?? throw new ArgumentException("The request was not created by this invoker.", nameof(request));

    /// <summary>True when the peer refused the call before running it, or it may safely run twice.</summary>
    internal static bool WasNotExecuted(Exception exception, MeshMethod method) => exception switch
    {
        NotExecutedException or UnknownServiceException => true,
        PeerUnavailableException => method.IsIdempotent,
        _ => false,
    };

    internal ClientLink Pick(MeshMethod method, List<ClientLink>? excluded)
    {
        var candidates = _directory.For(method.ServiceId);
        if (excluded is not null && !candidates.IsEmpty)
        {
            candidates = candidates.Without(excluded);
        }

        if (candidates.IsEmpty)
        {
            if (excluded is not null)
            {
                throw new PeerUnavailableException($"Every peer hosting '{method.ServiceName}' refused {method} or its link failed.");
            }

            if (_directory.Count == 0)
            {
                throw new PeerUnavailableException($"No peer is linked, so {method} cannot be sent; check the mesh's discovery settings and that peers are running.");
            }

            throw new UnknownServiceException(method.ServiceName, $"none of the {_directory.Count} linked peers hosts it");
        }

        return candidates.Connection(_balancer.For(method.ServiceId).Pick(candidates.Stats));
    }
}
