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
}
