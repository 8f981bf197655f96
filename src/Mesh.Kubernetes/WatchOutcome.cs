namespace Mesh.Kubernetes;

/// <summary>How one watch request ended.</summary>
internal enum WatchOutcome
{
    /// <summary>The server closed it (timeout, or a clean close with no events): re-watch from the last version.</summary>
    Closed,

    /// <summary>The resource version expired (410): re-list and diff.</summary>
    Expired,

    /// <summary>Cut, silent past the watchdog, or unreadable: resume from the last version after a jittered backoff.</summary>
    Broken,
}

/// <summary>How one watch ended, the last resource version it saw, and how many events (bookmarks included) it delivered.</summary>
internal readonly record struct WatchResult(WatchOutcome Outcome, string ResourceVersion, int Events, string? Reason);
