namespace Mesh.Transport;

/// <summary>The kinds of frame on a link.</summary>
internal enum FrameKind : byte
{
    /// <summary>Handshake: node id, mesh name and hosted services. The first frame each side sends.</summary>
    Hello = 1,

    /// <summary>A call: service id, method id, remaining deadline, arguments.</summary>
    Request = 2,

    /// <summary>A successful result of the call with the same id.</summary>
    Response = 3,

    /// <summary>A failed call: error code, exception type, message.</summary>
    Error = 4,

    /// <summary>The caller gave up on the call with the same id; the handler's token fires.</summary>
    Cancel = 5,

    /// <summary>Liveness probe.</summary>
    Ping = 6,

    /// <summary>Answer to <see cref="Ping"/>.</summary>
    Pong = 7,

    /// <summary>The sender is draining: send it no new calls on this link.</summary>
    GoAway = 8,

    /// <summary>
    /// The sender's load report (<see cref="Load.LoadReportCodec"/>), broadcast periodically on every link;
    /// call id 0. A node that does not use reports ignores them.
    /// </summary>
    LoadReport = 9,

    /// <summary>
    /// Opens a server stream: laid out as <see cref="Request"/>. The server sends nothing of it until a
    /// <see cref="StreamCredit"/> grants it room (the caller sends one right behind). Sent only to peers whose preface
    /// offers <see cref="Protocol.StreamFeature"/>.
    /// </summary>
    StreamRequest = 10,

    /// <summary>One item of the stream with the same id (its serialized value); each takes one item of the caller's credit.</summary>
    StreamItem = 11,

    /// <summary>
    /// The stream with the same id ended after its last item (load report appended as on a response). A stream that
    /// fails ends with an <see cref="Error"/> frame instead, which carries the typed error.
    /// </summary>
    StreamEnd = 12,

    /// <summary>
    /// Caller to server: more room for the stream with the same id — items (u32) and bytes (u32) added to its credit
    /// (<see cref="StreamCredit"/>). The caller stops a stream with <see cref="Cancel"/>.
    /// </summary>
    StreamCredit = 13,
}
