namespace Mesh;

/// <summary>How a node runs the calls its balancer sends to the node itself (see <see cref="MeshOptions.LocalCalls"/>).</summary>
public enum LocalCallMode
{
    /// <summary>
    /// Every call goes over a link, including one to this node (a loopback connection): local and remote calls
    /// take exactly the same path. The default.
    /// </summary>
    Network = 0,

    /// <summary>
    /// A call the balancer sends to this node runs in-process, without sockets or frames: the arguments and the
    /// result are still serialized (so the handler and the caller never share objects, as with a remote call),
    /// deadlines, cancellation, the concurrency cap, errors and metrics behave as for a remote call, and the
    /// node stays one peer among the others for the balancer.
    /// </summary>
    ShortCircuit = 1,
}
