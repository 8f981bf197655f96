namespace Mesh.Transport;

/// <summary>Why a call failed, as carried by an <see cref="FrameKind.Error"/> frame.</summary>
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

    /// <summary>The node is draining and refused the call. The call was not executed.</summary>
    Draining = 5,

    /// <summary>The request could not be decoded.</summary>
    BadRequest = 6,

    /// <summary>
    /// The node runs as many calls as it allows (<see cref="MeshOptions.MaxConcurrentCalls"/>) and refused
    /// this one. The call was not executed; the caller sends it to another peer at once.
    /// </summary>
    Overloaded = 7,
}
