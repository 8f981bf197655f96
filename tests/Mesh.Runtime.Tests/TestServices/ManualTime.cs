namespace Mesh.Runtime.Tests.TestServices;

/// <summary>A clock the test moves by hand (microsecond timestamps).</summary>
internal sealed class ManualTime : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public long Micros { get; private set; } = 1_000_000;

    public override long TimestampFrequency => 1_000_000;

    public override long GetTimestamp() => Micros;

    public override DateTimeOffset GetUtcNow() => Epoch.AddTicks(Micros * 10);

    public void Advance(TimeSpan by) => Micros += (long)(by.TotalMilliseconds * 1000);
}
