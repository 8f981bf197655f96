using Mesh.Load;

namespace Mesh.Dispatch;

/// <summary>Where a <see cref="ServerCall"/> came from, and where its outcome goes: a link, or this node itself.</summary>
internal interface IServerCallOwner
{
    /// <summary>The node's load, which the call's start and end update.</summary>
    NodeLoadMonitor Load { get; }

    /// <summary>The call's handler has ended (<paramref name="error"/> null when it returned): answer and recycle it.</summary>
    void OnCallEnded(ServerCall call, Exception? error);
}
