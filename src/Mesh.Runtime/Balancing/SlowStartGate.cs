namespace Mesh.Balancing;

/// <summary>
/// Decides which newly linked peers ramp up (slow start). The peers a node finds when it starts all joined
/// "at once", but their links come up a few milliseconds apart (or, after a refused first attempt, a reconnect
/// backoff apart); ramping each from its own link time would give the first-linked peer several times the
/// calls of the others for the whole window. So peers linked within the slow-start window of the node's first
/// link start fully ramped, and only peers linked later (joined later, or back after an outage) ramp.
/// </summary>
internal sealed class SlowStartGate(TimeSpan window, TimeProvider time)
{
    private const long NotYet = long.MinValue;
    private long _firstLink = NotYet;

    /// <summary>A peer's link came up now: true when the peer should ramp, false when it counts as initial.</summary>
    public bool ShouldRamp()
    {
        var now = time.GetTimestamp();
        var first = Interlocked.CompareExchange(ref _firstLink, now, NotYet);
        return first != NotYet && time.GetElapsedTime(first, now) >= window;
    }
}
