namespace Mesh.Transport;

/// <summary>The limits and liveness settings every link of a node uses, taken from <see cref="MeshOptions"/>.</summary>
internal sealed record LinkSettings(int MaxFrameSize, int MaxCallsInFlight, TimeSpan HeartbeatInterval, TimeSpan HeartbeatTimeout)
{
    public static LinkSettings From(MeshOptions options)
        => new(options.MaxFrameSize, options.MaxCallsInFlightPerLink, options.HeartbeatInterval, options.HeartbeatTimeout);
}
