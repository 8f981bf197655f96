namespace Mesh.Transport;

/// <summary>Why a call failed, as carried by an <see cref="FrameKind.Error"/> frame (a wire value: never renumber).</summary>
internal enum ErrorCode : byte
{
    /// <summary>The implementation threw; the frame carries the exception's type and message.</summary>
    RemoteException = 1,

    /// <summary>The node does not host the service. The call was not executed.</summary>
    UnknownService = 2,

    /// <summary>The service has no such method on that node. The call was not executed.</summary>
    UnknownMethod = 3,

    /// <summary>The handler was cancelled (cancel frame or deadline).</summary>
    Cancelled = 4,

    // 5 and 6 were reserved for "draining" and "bad request" and never sent (a draining node still runs the calls
    // that reach it); keep them unused. A caller maps a code it does not know to MeshException.

    /// <summary>
    /// The node runs as many calls as it allows (<see cref="MeshOptions.MaxConcurrentCalls"/>) and refused
    /// this one. The call was not executed; the caller sends it to another peer at once.
    /// </summary>
    Overloaded = 7,

    /// <summary>
    /// The call ran but its result is larger than <see cref="MeshOptions.MaxFrameSize"/>: that call fails with
    /// <see cref="PayloadTooLargeException"/>; the link and its other calls are unaffected.
    /// </summary>
    ResultTooLarge = 8,

    /// <summary>
    /// The call ran, but its answer was dropped because the caller had not read its earlier answers (the link's send
    /// queue passed twice <see cref="MeshOptions.MaxSendQueueBytes"/>).
    /// </summary>
    AnswerDropped = 9,

    /// <summary>The caller's identity may not call the service (<see cref="MeshTlsOptions.AllowedCallers"/>). Not executed.</summary>
    PermissionDenied = 10,

    /// <summary>
    /// A stream was ended before its last item because the node stopped (its grace period ran out): the caller gets
    /// <see cref="StreamInterruptedException"/> and may reopen the stream on another node.
    /// </summary>
    StreamInterrupted = 11,

    /// <summary>
    /// The request carried more argument bytes than the method's parameters account for, past
    /// <see cref="MeshOptions.MaxUnknownArgumentBytes"/> (or malformed ones): refused before it ran, nothing of it held.
    /// The caller gets <see cref="PayloadTooLargeException"/>; not retried elsewhere.
    /// </summary>
    ArgumentsRefused = 12,
}
