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
/// own: requests, pending calls and async state machines are pooled, the deadline is a pooled timer.
/// </summary>
internal sealed class MeshInvoker : IMeshInvoker
{
    private const int MaxAttempts = 3;
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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask InvokeAsync(OutgoingRequest request, CancellationToken cancellationToken)
        => await SendAsync<bool>(request, deserialize: false, cancellationToken).ConfigureAwait(false);

    // One async frame per call (not a wrapper awaiting the send): each frame in flight is a pooled box, and the
    // builder's pool holds only a few per thread, so under concurrency every extra frame is an allocation.
    public ValueTask<TResult> InvokeAsync<TResult>(OutgoingRequest request, CancellationToken cancellationToken)
        => SendAsync<TResult>(request, deserialize: true, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResult> SendAsync<TResult>(OutgoingRequest outgoing, bool deserialize, CancellationToken cancellationToken)
    {
        var request = outgoing as RequestBuilder
            ?? throw new ArgumentException("The request was not created by this invoker.", nameof(outgoing));
        var method = request.Method;
        var started = Stopwatch.GetTimestamp();
        using var activity = MeshDiagnostics.ActivitySource.HasListeners()
            ? MeshDiagnostics.ActivitySource.StartActivity(method.ToString(), ActivityKind.Client)
            : null;
        var outcome = "ok";
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<ClientLink>? excluded = null;
            for (var attempt = 1; ; attempt++)
            {
                var link = Pick(method, excluded);
                activity?.SetTag("mesh.peer", link.PeerNodeId);
                // The first attempt has the whole deadline; a retry what is left of it.
                var remaining = attempt == 1 ? _deadline : _deadline - Stopwatch.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    throw new DeadlineExceededException(method.ToString(), _deadline);
                }

                var call = PendingCall.Start(method, _deadline, remaining, started + _deadlineTicks, cancellationToken);
                var sent = link.TrySend(request, call, (uint)Math.Ceiling(remaining.TotalMilliseconds), out var callId);
                if (sent != SendResult.Sent)
                {
                    call.Release(poolable: true);
                    (excluded ??= []).Add(link);
                    MeshLog.Retrying(_logger, method.ToString(), sent == SendResult.Full
                        ? $"the link to '{link.PeerNodeId}' has {link.Outstanding} calls in flight, its limit"
                        : $"the link to '{link.PeerNodeId}' is closing");
                    continue;
                }

                try
                {
                    using var response = await call.Task.ConfigureAwait(false);
                    return deserialize ? _serializer.DeserializeFast<TResult>(response.Span) : default!;
                }
                catch (Exception ex) when (attempt < MaxAttempts && !call.Expired && !cancellationToken.IsCancellationRequested && WasNotExecuted(ex, method))
                {
                    (excluded ??= []).Add(link);
                    MeshLog.Retrying(_logger, method.ToString(), ex.Message);
                }
                finally
                {
                    link.Finish(call, callId);
                }
            }
        }
        catch (Exception ex)
        {
            outcome = ex switch
            {
                OperationCanceledException => "cancelled",
                DeadlineExceededException => "deadline_exceeded",
                PeerUnavailableException => "peer_unavailable",
                RemoteInvocationException => "remote_exception",
                _ => "error",
            };
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            request.Dispose();
            if (MeshDiagnostics.ClientCalls.Enabled)
            {
                MeshDiagnostics.ClientCalls.Add(1, new("mesh.service", method.ServiceName), new("mesh.outcome", outcome));
            }

            if (MeshDiagnostics.ClientDuration.Enabled)
            {
                MeshDiagnostics.ClientDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("mesh.service", method.ServiceName));
            }
        }
    }

    /// <summary>True when the peer refused the call before running it, or it may safely run twice.</summary>
    private static bool WasNotExecuted(Exception exception, MeshMethod method) => exception switch
    {
        NotExecutedException or UnknownServiceException => true,
        PeerUnavailableException => method.IsIdempotent,
        _ => false,
    };

    private ClientLink Pick(MeshMethod method, List<ClientLink>? excluded)
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
