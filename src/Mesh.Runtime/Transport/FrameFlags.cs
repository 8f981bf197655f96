namespace Mesh.Transport;

/// <summary>Bits of the <see cref="FrameHeader.Flags"/> byte.</summary>
internal static class FrameFlags
{
    /// <summary>
    /// Response and error frames: a load report is appended after the payload — the encoded report, then
    /// one byte holding its length (see <see cref="Load.LoadReportFrames"/>).
    /// </summary>
    public const byte HasLoadReport = 1;

    /// <summary>
    /// Request frames: the caller's W3C trace context is appended after the arguments (see
    /// <see cref="TraceContextTrailer"/>). Sent only to peers whose preface offers <see cref="Protocol.TraceContextFeature"/>.
    /// </summary>
    public const byte HasTraceContext = 2;
}
