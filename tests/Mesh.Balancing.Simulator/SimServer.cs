using Mesh.Load;

namespace Mesh.Balancing.Simulator;

/// <summary>A simulated server: a fixed number of workers, a FIFO queue, and the runtime's own load monitor.</summary>
internal sealed class SimServer
{
    public SimServer(int index, ServerSpec spec, SimulatedTime time, int seed)
    {
        Index = index;
        Spec = spec;
        Name = spec.Name ?? $"s{index + 1}";
        Random = new Random(seed);
        Monitor = new NodeLoadMonitor(
            time,
            new SimulatedProcessLoad(() => 100 * Busy / spec.Capacity, () => Queue.Count),
            TimeSpan.FromMilliseconds(500));
        Monitor.ConcurrencyLimit = spec.QueueLimit;
    }

    public int Index { get; }

    public ServerSpec Spec { get; }

    public string Name { get; }

    public Random Random { get; }

    public NodeLoadMonitor Monitor { get; }

    public Queue<SimCall> Queue { get; } = new();

    public int Busy { get; set; }

    public bool Present { get; set; }

    /// <summary>Busy worker-microseconds inside the measured interval.</summary>
    public double BusyMicros { get; set; }

    /// <summary>How much longer service takes at <paramref name="seconds"/>.</summary>
    public double SlowFactor(double seconds)
    {
        foreach (var slow in Spec.Slow ?? [])
        {
            if (seconds >= slow.AtSeconds && seconds < slow.UntilSeconds)
            {
                return slow.Factor;
            }
        }

        return 1;
    }
}

/// <summary>One call: which caller slot issued it, when, and where it is now.</summary>
internal sealed class SimCall
{
    public int Caller { get; init; }

    public long IssuedAt { get; init; }

    public int Server { get; set; }

    public PeerStats? Stats { get; set; }

    public long SentAt { get; set; }

    public long ServiceStart { get; set; }

    public int Attempts { get; set; }

    public List<int>? Refused { get; set; }
}
