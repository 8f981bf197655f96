namespace Mesh.Balancing;

/// <summary>How one attempt sent to a peer ended, as far as the peer's statistics are concerned.</summary>
internal enum PeerCallOutcome
{
    /// <summary>The peer answered (a result, or a failure of the call itself): a latency sample.</summary>
    Answered,

    /// <summary>The peer refused the call as overloaded without running it: counts against the peer for a while.</summary>
    Refused,

    /// <summary>
    /// The attempt ended without telling anything about the peer's speed: not sent, cancelled or timed out by the
    /// caller, the link lost, or refused for a reason that is not load.
    /// </summary>
    Abandoned,
}
