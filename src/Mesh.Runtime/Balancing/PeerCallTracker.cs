namespace Mesh.Balancing;

/// <summary>
/// One attempt's account with a peer's <see cref="PeerStats"/>: started when the attempt is sent
/// (<see cref="PeerStats.Track"/>), settled exactly once with how it ended. The holder keeps it in a field and
/// settles it through that field; a second settle, from any thread, is a no-op, so the outstanding count
/// returns to zero whichever of the attempt's completers gets there first.
/// </summary>
internal struct PeerCallTracker
{
    private PeerStats? _peer;

    internal PeerCallTracker(PeerStats peer, long sentAt)
    {
        _peer = peer;
        SentAt = sentAt;
    }

    /// <summary>When the attempt was sent (a timestamp of the peer's <see cref="PeerStats.Time"/>).</summary>
    public long SentAt { get; }

    /// <summary>Settles the attempt with <paramref name="outcome"/>; false when it was already settled (or never started).</summary>
    /// <param name="outcome">How the attempt ended.</param>
    /// <param name="now">When its answer arrived (answers read together share one), or when it was given up; 0 to read the clock.</param>
    public bool Settle(PeerCallOutcome outcome, long now = 0)
    {
        if (Interlocked.Exchange(ref _peer, null) is not { } peer)
        {
            return false;
        }

        switch (outcome)
        {
            case PeerCallOutcome.Answered:
                peer.OnCompleted(SentAt, now == 0 ? peer.Time.GetTimestamp() : now);
                break;
            case PeerCallOutcome.Refused:
                peer.OnRefused();
                break;
            default:
                peer.OnAbandoned(SentAt, now == 0 ? peer.Time.GetTimestamp() : now);
                break;
        }

        return true;
    }
}
