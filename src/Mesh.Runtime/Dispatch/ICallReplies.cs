using Mesh.Transport;

namespace Mesh.Dispatch;

/// <summary>Where a <see cref="ServerSession"/>'s answers go: a link's send queue, or the caller on this node itself.</summary>
internal interface ICallReplies
{
    /// <summary><paramref name="call"/> returned: send its result (<see cref="ServerCall.ResultPayload"/>).</summary>
    void SendResult(ServerCall call);

    /// <summary>The call <paramref name="callId"/> failed or was refused: send <paramref name="error"/>.</summary>
    void SendError(long callId, in ErrorMessage error);

    /// <summary>
    /// <paramref name="call"/>, a stream, wrote its next item (<see cref="ServerCall.StreamItemFrame"/>): send it; false
    /// when it cannot be sent (the link is closing).
    /// </summary>
    bool SendStreamItem(ServerCall call);
}
