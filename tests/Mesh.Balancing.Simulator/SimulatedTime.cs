namespace Mesh.Balancing.Simulator;

/// <summary>
/// The simulation's clock, handed to the runtime's balancing and load code as its <see cref="TimeProvider"/>:
/// time moves only when the event loop advances it, in microseconds.
/// </summary>
internal sealed class SimulatedTime : TimeProvider
{
    internal static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Simulated microseconds since the start.</summary>
    public long Now { get; private set; }

    public override long TimestampFrequency => 1_000_000;

    public override long GetTimestamp() => Now;

    public override DateTimeOffset GetUtcNow() => Epoch.AddTicks(Now * 10);

    public void AdvanceTo(long micros)
    {
        if (micros < Now)
        {
            throw new InvalidOperationException($"Simulated time cannot go back from {Now} to {micros} µs.");
        }

        Now = micros;
    }
}

/// <summary>One node's view of the simulated clock: the same monotonic timestamps, a wall clock off by <paramref name="skew"/>.</summary>
internal sealed class SkewedTime(SimulatedTime time, TimeSpan skew) : TimeProvider
{
    public override long TimestampFrequency => time.TimestampFrequency;

    public override long GetTimestamp() => time.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => time.GetUtcNow() + skew;
}
