namespace Mesh.Transport;

/// <summary>What a link's heartbeat tick does.</summary>
internal enum HeartbeatAction
{
    /// <summary>Something arrived recently enough: nothing to send.</summary>
    None,

    /// <summary>Send a ping (the peer answers with a pong).</summary>
    Ping,

    /// <summary>The peer has been silent for the heartbeat timeout: the link is dead.</summary>
    Dead,
}

/// <summary>
/// When a link pings. Only where nothing else flows, and from one side: the side that connected pings once a tick
/// when it has received nothing for half an interval, and the peer's pong keeps it informed; the accepting side then
/// hears a ping every tick and stays quiet, pinging itself only when it has heard nothing for two intervals (a peer
/// that does not ping) — so an idle link carries one ping and one pong per interval, not two of each. Every link's
/// tick falls on the same instants (<see cref="NextTick"/>), so a process's idle links ping together and the pings,
/// pongs and the threads they wake come in one burst per interval instead of one wake-up per link.
/// </summary>
internal static class Heartbeat
{
    /// <summary>
    /// When a link whose heartbeat ran (or started) at <paramref name="nowMs"/> runs it next: the next multiple of the
    /// interval on the process's millisecond clock (<see cref="Environment.TickCount64"/>), shared by every link.
    /// </summary>
    public static long NextTick(long nowMs, TimeSpan interval)
    {
        var intervalMs = Math.Max(1, (long)interval.TotalMilliseconds);
        return ((nowMs / intervalMs) + 1) * intervalMs;
    }

    public static HeartbeatAction Decide(long silentMilliseconds, bool initiator, TimeSpan interval, TimeSpan timeout)
    {
        var intervalMs = (long)interval.TotalMilliseconds;
        var timeoutMs = (long)timeout.TotalMilliseconds;
        if (silentMilliseconds >= timeoutMs)
        {
            return HeartbeatAction.Dead;
        }

        var threshold = initiator ? intervalMs / 2 : Math.Min(2 * intervalMs, Math.Max(intervalMs, timeoutMs - intervalMs));
        return silentMilliseconds >= threshold ? HeartbeatAction.Ping : HeartbeatAction.None;
    }
}
