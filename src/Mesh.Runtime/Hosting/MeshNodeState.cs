namespace Mesh;

/// <summary>Where a Mesh node is in its life; a readiness probe reports ready only while <see cref="Running"/>.</summary>
public enum MeshNodeState
{
    /// <summary>Created, not started yet.</summary>
    Starting,

    /// <summary>Accepting links and calls.</summary>
    Running,

    /// <summary>
    /// Shutting down: peers were told to send no new calls; calls in flight finish within
    /// <see cref="MeshOptions.ShutdownGracePeriod"/>.
    /// </summary>
    Draining,

    /// <summary>Stopped; every link is closed.</summary>
    Stopped,
}
