using Mesh.Transport;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>Queues frames on a sender that no link owns (no quiet mark to clear).</summary>
internal static class FrameSenderExtensions
{
    public static bool TryEnqueue(this FrameSender sender, ReadOnlySpan<byte> frame)
    {
        var quiet = 0;
        return sender.TryEnqueue(frame, ref quiet, out _);
    }
}
