namespace Mesh.Transport;

/// <summary>The limits and liveness settings every link of a node uses, taken from <see cref="MeshOptions"/>.</summary>
internal sealed record LinkSettings(int MaxFrameSize, int MaxCallsInFlight, TimeSpan HeartbeatInterval, TimeSpan HeartbeatTimeout)
{
    /// <summary>Largest hello accepted (<see cref="MeshOptions.MaxHelloSize"/>).</summary>
    public int MaxHelloSize { get; init; } = 64 * 1024;

    /// <summary>How long a started frame may take to arrive whole (<see cref="MeshOptions.FrameTimeout"/>).</summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where receive buffers come from (null: the shared pool). Tests pass a counting pool.</summary>
    public System.Buffers.MemoryPool<byte>? ReceivePool { get; init; }

    /// <summary>The features this node offers in its preface (<see cref="Protocol.Features"/>; tests play older builds with fewer).</summary>
    public ushort Features { get; init; } = Protocol.Features;

    public static LinkSettings From(MeshOptions options)
        => new(options.MaxFrameSize, options.MaxCallsInFlightPerLink, options.HeartbeatInterval, options.HeartbeatTimeout)
        {
            MaxHelloSize = options.MaxHelloSize,
            FrameTimeout = options.FrameTimeout,
            Features = options.WireFeatures,
        };
}
