using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Mesh.Diagnostics;
using Mesh.Load;
using Mesh.Serialization;
using Mesh.Transport;
using Microsoft.Extensions.Logging;

namespace Mesh.Dispatch;

/// <summary>
/// What every server connection of a node shares: hosted services, serializer, the count of running calls
/// with its cap (<see cref="MeshOptions.MaxConcurrentCalls"/>), the pool of call objects, and the node's load
/// (reported to callers).
/// </summary>
internal sealed class ServerState(ServiceCatalog catalog, IPayloadSerializer serializer, MeshOptions options, NodeLoadMonitor load, MeshMetrics metrics, ILogger<ServerState> logger)
{
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly BoundedPool<ServerCall> _calls = new(Math.Min(options.MaxConcurrentCalls, 1024));
    private readonly string _nodeId = options.NodeId;
    private readonly int _maxConcurrentCalls = options.MaxConcurrentCalls;
    private readonly uint _maxDeadlineMs = (uint)options.MaxDeadline.TotalMilliseconds;
    private readonly bool _sendMessages = options.SendExceptionMessages;
    private readonly FrozenDictionary<uint, FrozenSet<string>> _allowed
        = options.Tls.AllowedCallers.ToFrozenDictionary(pair => StableHash.Compute(pair.Key), pair => pair.Value.ToFrozenSet(StringComparer.Ordinal));
    private readonly LogFolder _denials = new(TimeSpan.FromSeconds(10));
    private int _running;

    public ServiceCatalog Catalog => catalog;

    public IPayloadSerializer Serializer => serializer;

    /// <summary>Bytes of answers a link may hold queued before its new requests are refused (<see cref="MeshOptions.MaxSendQueueBytes"/>).</summary>
    public long MaxSendQueue { get; } = options.MaxSendQueueBytes;

    /// <summary>Bytes of answers all links together may hold queued (<see cref="MeshOptions.MaxNodeSendQueueBytes"/>).</summary>
    public long MaxNodeSendQueue { get; } = options.MaxNodeSendQueueBytes;

    /// <summary>
    /// A link holding fewer queued bytes than this is never refused or dropped for the node's total, so a reading link
    /// pays nothing for the node-wide check; what such links hold together is at most this times the connection limit.
    /// </summary>
    public const long NodeQueueCheckAbove = 64 * 1024;

    private readonly Lock _linksGate = new();
    private readonly HashSet<ServerConnection> _links = [];
    private ServerConnection[] _linkSnapshot = [];

    /// <summary>Counts <paramref name="link"/>'s queued answers in the node's total until <see cref="RemoveLink"/>.</summary>
    public void AddLink(ServerConnection link)
    {
        lock (_linksGate)
        {
            if (_links.Add(link))
            {
                _linkSnapshot = [.. _links];
            }
        }
    }

    public void RemoveLink(ServerConnection link)
    {
        lock (_linksGate)
        {
            if (_links.Remove(link))
            {
                _linkSnapshot = [.. _links];
            }
        }
    }

    /// <summary>
    /// Whether the node's links together hold more than <paramref name="times"/> × <see cref="MaxNodeSendQueue"/> of
    /// queued answers. Sums every link: called only for a link already holding <see cref="NodeQueueCheckAbove"/>.
    /// </summary>
    public bool NodeQueueOver(int times)
    {
        var total = 0L;
        foreach (var link in Volatile.Read(ref _linkSnapshot))
        {
            total += link.QueuedBytes;
        }

        return total > times * MaxNodeSendQueue;
    }

    private readonly long _maxUnknownArgumentBytes = options.MaxUnknownArgumentBytes;

    /// <summary>
    /// Checks a request's <paramref name="total"/> argument bytes, of which <paramref name="known"/> (-1: malformed) belong
    /// to the parameters this build's method has: the rest, trailing arguments of a newer caller's version, may be at most
    /// <see cref="MeshOptions.MaxUnknownArgumentBytes"/> (the call keeps only the known ones). Otherwise returns the refusal.
    /// </summary>
    public bool CheckArguments(HostedService service, uint methodId, long total, long known, out ErrorMessage refusal)
    {
        if (known < 0)
        {
            refusal = new ErrorMessage(ErrorCode.ArgumentsRefused, typeof(PayloadTooLargeException).FullName!, $"the arguments of {service.Name}.{service.MethodName(methodId)} are malformed (a length runs past the request)");
        }
        else if (total - known > _maxUnknownArgumentBytes)
        {
            refusal = new ErrorMessage(
                ErrorCode.ArgumentsRefused,
                typeof(PayloadTooLargeException).FullName!,
                $"the request for {service.Name}.{service.MethodName(methodId)} carries {total - known} bytes of arguments beyond the parameters node '{_nodeId}' knows; its MeshOptions.MaxUnknownArgumentBytes allows {_maxUnknownArgumentBytes}");
        }
        else
        {
            refusal = default;
            return true;
        }

        metrics.RecordRefusal(service.Name, "arguments");
        return false;
    }

    /// <summary>The largest response frame (header + result + load report) that fits a frame of <see cref="MeshOptions.MaxFrameSize"/>.</summary>
    public int MaxResponseFrame { get; } = FrameHeader.Size + options.MaxFrameSize;

    /// <summary>Most calls one caller's link may run here at once (<see cref="MeshOptions.MaxConcurrentCallsPerLink"/>).</summary>
    public int MaxCallsPerLink { get; } = options.MaxConcurrentCallsPerLink > 0 ? options.MaxConcurrentCallsPerLink : Math.Max(1, options.MaxConcurrentCalls / 2);

    /// <summary>The deadline a call runs under here: the caller's, at most <see cref="MeshOptions.MaxDeadline"/> (which a call without one gets).</summary>
    public uint Deadline(uint carriedMilliseconds) => carriedMilliseconds == 0 ? _maxDeadlineMs : Math.Min(carriedMilliseconds, _maxDeadlineMs);

    /// <summary>This node's load, reported to callers.</summary>
    public NodeLoadMonitor Load => load;

    public int Running => Volatile.Read(ref _running);

    /// <summary>The node is draining (its load monitor holds the one flag: every report says so).</summary>
    public bool IsDraining => load.IsDraining;

    /// <summary>Completes when draining and no call is running.</summary>
    public Task Idle => _idle.Task;

    public void BeginDrain()
    {
        load.BeginDrain();
        if (Running == 0)
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>Counts a call as running unless as many as allowed already run (then it must be refused).</summary>
    private bool TryStartCall()
    {
        if (Interlocked.Increment(ref _running) > _maxConcurrentCalls)
        {
            CallEnded();
            return false;
        }

        return true;
    }

    private void CallEnded()
    {
        if (Interlocked.Decrement(ref _running) == 0 && load.IsDraining)
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>
    /// Admits a request for <paramref name="serviceId"/>: finds the service and counts the call as running and
    /// queued; or returns the refusal to answer with (not hosted here, or overloaded).
    /// </summary>
    public bool TryAdmit(uint serviceId, [NotNullWhen(true)] out HostedService? service, out ErrorMessage refusal)
    {
        service = catalog.Find(serviceId);
        if (service is null)
        {
            refusal = new ErrorMessage(ErrorCode.UnknownService, typeof(UnknownServiceException).FullName!, $"service id 0x{serviceId:x8} is not hosted on node '{_nodeId}'");
            metrics.RecordRefusal(null, "unknown_service");
            return false;
        }

        if (!TryStartCall())
        {
            // Refused before running: the caller may send it elsewhere at once.
            refusal = new ErrorMessage(ErrorCode.Overloaded, "Mesh.Overloaded", "overloaded");
            metrics.RecordRefusal(service.Name, "overloaded");

            return false;
        }

        refusal = default;
        load.OnQueued();
        metrics.ServerActive.Add(1);
        return true;
    }

    /// <summary>Undoes <see cref="TryAdmit"/> for a call that will not run.</summary>
    public void Dropped()
    {
        load.OnDropped();
        metrics.ServerActive.Add(-1);
        CallEnded();
    }

    /// <summary>
    /// Accounts for a call whose handler has ended (<paramref name="error"/> null when it returned) and
    /// returns how to answer it: null for its result, or the error to send.
    /// </summary>
    public ErrorMessage? CallCompleted(ServerCall call, Exception? error)
    {
        CallEnded();
        var ended = load.OnEnded(call.StartedAt);
        metrics.ServerActive.Add(-1);
        ErrorMessage? answer = error switch
        {
            null when call.StreamNotWritten => new ErrorMessage(ErrorCode.UnknownMethod, typeof(UnknownMethodException).FullName!, $"{call.ServiceName}.{call.MethodName} is not a stream method on node '{_nodeId}'"),
            null => null,
            _ when call.Interrupted => new ErrorMessage(ErrorCode.StreamInterrupted, typeof(StreamInterruptedException).FullName!, $"node '{_nodeId}' stopped before the stream ended (its MeshOptions.ShutdownGracePeriod ran out); reopen the stream"),
            UnknownMethodException ex => new ErrorMessage(ErrorCode.UnknownMethod, typeof(UnknownMethodException).FullName!, ex.Message),
            PayloadTooLargeException ex => TooLarge(call, ex),
            OperationCanceledException ex when call.IsCancellationRequested => new ErrorMessage(ErrorCode.Cancelled, ex.GetType().FullName!, ex.Message),
            _ => Failure(call, error),
        };

        if (metrics.ServerDuration.Enabled)
        {
            metrics.RecordServerCall(call.ServiceName, call.MethodName, error is null ? null : MeshMetrics.ErrorType(error), load.Seconds(ended - call.StartedAt));
        }

        return answer;
    }

    /// <summary>
    /// The answer to a handler's exception: its type and a correlation id under which this node logs the whole
    /// exception; its message only with <see cref="MeshOptions.SendExceptionMessages"/>.
    /// </summary>
    private ErrorMessage Failure(ServerCall call, Exception error)
    {
        var correlationId = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()));
        MeshLog.HandlerFailed(logger, error, call.ServiceName, call.MethodName, correlationId);
        return new ErrorMessage(ErrorCode.RemoteException, MeshMetrics.ErrorType(error), _sendMessages ? error.Message : "", correlationId);
    }

    private ErrorMessage TooLarge(ServerCall call, PayloadTooLargeException error)
    {
        MeshLog.ResultTooLarge(logger, call.ServiceName, call.MethodName, error.Message);
        return new ErrorMessage(ErrorCode.ResultTooLarge, typeof(PayloadTooLargeException).FullName!, error.Message);
    }

    /// <summary>
    /// Whether a caller with <paramref name="identity"/> (null: plaintext or this node itself) may call
    /// <paramref name="service"/>; otherwise the refusal to answer with. Calls this node makes to itself are always allowed.
    /// </summary>
    public bool MayCall(HostedService service, string? identity, bool local, out ErrorMessage refusal)
    {
        if (local || _allowed.Count == 0 || !_allowed.TryGetValue(service.Id, out var allowed) || (identity is not null && allowed.Contains(identity)))
        {
            refusal = default;
            return true;
        }

        metrics.RecordRefusal(service.Name, "permission_denied");
        if (_denials.ShouldLog(service.Name + " " + identity, out var folded))
        {
            MeshLog.PermissionDenied(logger, identity ?? "(no certificate)", service.Name, folded);
        }

        refusal = new ErrorMessage(ErrorCode.PermissionDenied, typeof(PermissionDeniedException).FullName!, $"the caller's identity may not call {service.Name}");
        return false;
    }

    /// <summary>A request refused because its link's answers are not being read.</summary>
    public ErrorMessage RefuseNotReading()
    {
        metrics.RecordRefusal(null, "caller_not_reading");
        return new ErrorMessage(ErrorCode.Overloaded, "Mesh.Overloaded", "overloaded");
    }

    /// <summary>An answer dropped because its link's answers are not being read: the caller gets this instead.</summary>
    public ErrorMessage DropAnswer(ServerCall call)
    {
        metrics.RecordRefusal(call.ServiceName, "answer_dropped");
        return new ErrorMessage(ErrorCode.AnswerDropped, "Mesh.AnswerDropped", $"{call.ServiceName}.{call.MethodName} ran, but its answer was dropped: the caller was not reading its answers (MeshOptions.MaxSendQueueBytes)");
    }

    /// <summary>A call this link ran refused because the link runs its share of the node's calls.</summary>
    public ErrorMessage RefuseOverShare(HostedService service)
    {
        metrics.RecordRefusal(service.Name, "link_share");
        return new ErrorMessage(ErrorCode.Overloaded, "Mesh.Overloaded", "overloaded");
    }

    public ServerCall RentCall() => _calls.TryRent() ?? new ServerCall();

    public void ReturnCall(ServerCall call)
    {
        call.Release();
        _calls.Return(call);
    }
}
