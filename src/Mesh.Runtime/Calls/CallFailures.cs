using Mesh.Balancing;
using Mesh.Invocation;
using Mesh.Transport;

namespace Mesh.Calls;

/// <summary>
/// The caller's one place for what a failure means: the public exception an error frame becomes, how the
/// failure counts against the peer, and whether the call may go to another peer.
/// </summary>
internal static class CallFailures
{
    /// <summary>The most peers one call is sent to (the first attempt and two retries).</summary>
    public const int MaxAttempts = 3;

    /// <summary>How an attempt that ended with <paramref name="code"/> counts for the peer's statistics.</summary>
    public static PeerCallOutcome PeerOutcome(ErrorCode code) => code switch
    {
        // The call ran there: its duration is a latency sample like a response's.
        ErrorCode.RemoteException or ErrorCode.Cancelled or ErrorCode.ResultTooLarge or ErrorCode.AnswerDropped or ErrorCode.ArgumentsRefused => PeerCallOutcome.Answered,
        ErrorCode.Overloaded => PeerCallOutcome.Refused,
        _ => PeerCallOutcome.Abandoned,
    };

    /// <summary>The exception a caller sees for an error frame from node <paramref name="nodeId"/>.</summary>
    public static Exception ToException(in ErrorMessage error, PendingCall call, string nodeId)
    {
        switch (error.Code)
        {
            case ErrorCode.RemoteException:
                return new RemoteInvocationException(error.TypeName, error.Message, nodeId) { CorrelationId = error.CorrelationId };
            case ErrorCode.UnknownService:
                return new UnknownServiceException(call.Method.ServiceName, $"node '{nodeId}' does not host it");
            case ErrorCode.UnknownMethod:
                // Both sides' view: the caller's contract of the method, and the node's answer, which lists
                // the methods its version of the service offers (see "Changing a service safely").
                return UnknownMethodException.VersionMismatch(
                    call.Method.ServiceName,
                    call.Method.Id,
                    call.Method.Contract ?? call.Method.Name,
                    $"The caller's version calls {call.Method.Contract ?? call.Method.Name}; node '{nodeId}' answered: {error.Message}");
            case ErrorCode.Cancelled:
                // This caller sends a cancel frame only after it has ended the call itself, so a call still
                // pending here was stopped by the server when the deadline it carried ran out (the server's
                // timer may fire before ours).
                return call.UserToken.IsCancellationRequested
                    ? new OperationCanceledException($"The call to {call.Method} was cancelled by the caller.", null, call.UserToken)
                    : new DeadlineExceededException(call.Method.ToString(), call.Deadline);
            case ErrorCode.PermissionDenied:
                return new PermissionDeniedException($"Node '{nodeId}' refused {call.Method}: {error.Message}");
            case ErrorCode.AnswerDropped:
                return new MeshException($"{error.Message} (node '{nodeId}')");
            case ErrorCode.ResultTooLarge:
            case ErrorCode.ArgumentsRefused:
                return new PayloadTooLargeException($"{error.Message} (node '{nodeId}')");
            case ErrorCode.StreamInterrupted:
                return new StreamInterruptedException($"The stream of {call.Method} was interrupted: {error.Message} (node '{nodeId}').");
            case ErrorCode.Overloaded:
                return new CallRefusedException(
                    $"Node '{nodeId}' did not execute {call.Method}: it runs as many calls as its MeshOptions.MaxConcurrentCalls allows.");
            default:
                return new MeshException($"The call to {call.Method} failed on node '{nodeId}' with error code {(byte)error.Code}.");
        }
    }

    /// <summary>
    /// Whether an attempt of <paramref name="method"/> that failed with <paramref name="error"/> may be sent to
    /// another peer: when the peer provably did not run it (refused, not hosting the service), or when it may
    /// have run but the method is <see cref="IdempotentAttribute">idempotent</see>. Attempts that were never sent
    /// (link closing or full) always go elsewhere and do not ask.
    /// </summary>
    public static bool MayRetry(Exception error, MeshMethod method) => error switch
    {
        CallRefusedException or UnknownServiceException => true,
        PeerUnavailableException => method.IsIdempotent,
        _ => false,
    };

    /// <summary>The <c>mesh.retry.reason</c> of an attempt that failed with <paramref name="error"/> and goes elsewhere.</summary>
    public static string RetryReason(Exception error) => error switch
    {
        CallRefusedException => "refused",
        UnknownServiceException => "unknown_service",
        _ => "link_failed",
    };

    /// <summary>
    /// The exception that ends a call no peer could take after <paramref name="attempts"/> attempts:
    /// <see cref="CallRefusedException"/> when the last peer tried refused it (the call ran nowhere),
    /// <see cref="PeerUnavailableException"/> otherwise.
    /// </summary>
    public static MeshException NoPeerLeft(MeshMethod method, int attempts, Exception? lastFailure)
        => lastFailure is CallRefusedException refused
            ? new CallRefusedException($"{method} was not executed: every peer it was sent to ({attempts}) refused it. {refused.Message}", refused)
            : new PeerUnavailableException($"Every peer hosting '{method.ServiceName}' that {method} was sent to ({attempts}) refused it or its link failed.", lastFailure);
}
