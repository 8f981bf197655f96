using System.Buffers;
using Mesh.Calls;
using Mesh.Load;

namespace Mesh.Transport;

/// <summary>
/// The caller side of load reporting, kept apart from <see cref="ClientLink"/>'s framing: takes the report
/// a frame carries (appended, or a <see cref="FrameKind.LoadReport"/> frame) into the link's
/// <see cref="Balancing.PeerStats"/>, and tells it how a failed call ended.
/// </summary>
internal static class LinkLoadTracking
{
    /// <summary>Records the report <paramref name="frame"/> carries, if any; returns the payload without it.</summary>
    public static ReadOnlySequence<byte> TakeReport(ClientLink link, in FrameHeader header, in ReadOnlySequence<byte> frame)
    {
        var payload = frame;
        if (header.Kind == FrameKind.LoadReport)
        {
            if (LoadReportFrames.ReadBroadcast(payload, out var broadcast))
            {
                link.Stats.OnReport(broadcast);
            }

            return payload;
        }

        LoadReportFrames.Split(header, ref payload, out var report, out var hasReport);
        if (hasReport)
        {
            link.Stats.OnReport(report);
        }

        return payload;
    }

    /// <summary>
    /// A call failed with <paramref name="code"/>: an "overloaded" refusal counts against the peer (this is
    /// the one place a refusal is detected; returns true for it); a call that ran (remote exception,
    /// cancelled there) is a latency sample; any other refusal only ends it.
    /// </summary>
    public static bool OnError(ClientLink link, ErrorCode code, PendingCall call)
    {
        switch (code)
        {
            case ErrorCode.Overloaded:
                link.Stats.OnRefused();
                return true;
            case ErrorCode.RemoteException or ErrorCode.Cancelled:
                link.Stats.OnCompleted(call.SentAt);
                return false;
            default:
                link.Stats.OnAbandoned();
                return false;
        }
    }
}
