namespace Mesh.Kubernetes;

/// <summary>How one watch request ended.</summary>
internal enum WatchOutcome
{
    /// <summary>The server closed it (timeout, or a clean close with no events): re-watch from the last version.</summary>
    Closed,

    /// <summary>The resource version expired (410): re-list and diff.</summary>
    Expired,

    /// <summary>Cut mid-way, silent past the watchdog, or unreadable: re-list after a jittered backoff.</summary>
    Broken,
}
