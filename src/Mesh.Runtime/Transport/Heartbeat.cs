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
/// that does not ping) — so an idle link carries one ping and one pong per interval, not two of each.
/// </summary>
internal static class Heartbeat
{
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
