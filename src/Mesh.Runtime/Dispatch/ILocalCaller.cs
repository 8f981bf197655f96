using Mesh.Transport;

namespace Mesh.Dispatch;

/// <summary>The caller of calls this node runs for itself (<see cref="LocalCalls"/>): a link to this node.</summary>
internal interface ILocalCaller
{
    /// <summary>
    /// Call <paramref name="callId"/> ended: with <paramref name="result"/> (valid only during this call) when
    /// <paramref name="failure"/> is null. The caller's continuation may run on this thread.
    /// </summary>
    void OnCallEnded(long callId, ReadOnlySpan<byte> result, in ErrorMessage? failure);
}
