using Mesh.Load;

namespace Mesh.Balancing.Simulator;

/// <summary>
/// A simulated server: a fixed number of workers, a FIFO queue, its own service-time distribution, frozen
/// periods (stalls), and the runtime's own load monitor on the node's own (possibly skewed) wall clock.
/// </summary>
internal sealed class SimServer
{
    private readonly SimulatedTime _time;

    public SimServer(int index, ServerSpec spec, SimulatedTime time, int seed)
    {
        Index = index;
        Spec = spec;
        _time = time;
        Name = spec.Name ?? $"s{index + 1}";
        Random = new Random(seed);
        Monitor = CreateMonitor();
    }

    public int Index { get; }

    public ServerSpec Spec { get; }

    public string Name { get; }

    public Random Random { get; }

    public NodeLoadMonitor Monitor { get; private set; }

    public Queue<SimCall> Queue { get; } = new();

    public int Busy { get; set; }

    public bool Present { get; set; }

    /// <summary>Which process this is (1 for the first; a rejoin starts a new one).</summary>
    public int Generation { get; set; }

    /// <summary>When a draining process exits (calls that reach it later find no link).</summary>
    public long GoneAt { get; set; } = long.MaxValue;

    /// <summary>Busy worker-microseconds inside the measured interval.</summary>
    public double BusyMicros { get; set; }

    /// <summary>A new process of this server: a fresh monitor (not draining).</summary>
    public void Restart()
    {
        Monitor = CreateMonitor();
        GoneAt = long.MaxValue;
    }

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

    /// <summary>Whether the node is frozen at <paramref name="micros"/>.</summary>
    public bool Frozen(long micros)
    {
        foreach (var stall in Spec.Stalls ?? [])
        {
            if (micros >= Simulation.Micros(stall.AtSeconds * 1000) && micros < Simulation.Micros(stall.UntilSeconds * 1000))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>When work of <paramref name="service"/> µs started at <paramref name="start"/> ends, frozen periods not counting.</summary>
    public long FinishTime(long start, long service)
    {
        var t = start;
        var remaining = service;
        foreach (var stall in (Spec.Stalls ?? []).OrderBy(s => s.AtSeconds))
        {
            var from = Simulation.Micros(stall.AtSeconds * 1000);
            var until = Simulation.Micros(stall.UntilSeconds * 1000);
            if (until <= t)
            {
                continue;
            }

            if (from >= t + remaining)
            {
                break;
            }

            remaining -= Math.Max(0, from - t);
            t = until;
        }

        return t + remaining;
    }

    /// <summary>One call's service time in ms, started at <paramref name="seconds"/>.</summary>
    public double SampleServiceMs(Workload workload, double seconds)
    {
        var mean = (Spec.ServiceMs ?? workload.ServiceMs) / Spec.Speed * SlowFactor(seconds);
        var u = Random.NextDouble();
        var sample = (Spec.Distribution ?? workload.ServiceDistribution) switch
        {
            "constant" => 1.0,
            "lognormal" => Math.Exp((Spec.Sigma * Normal(u, Random.NextDouble())) - (Spec.Sigma * Spec.Sigma / 2)),
            "bimodal" => (u < Spec.BimodalFraction ? Spec.BimodalFactor : 1) / (1 - Spec.BimodalFraction + (Spec.BimodalFactor * Spec.BimodalFraction)),
            _ => -Math.Log(1 - u),
        };
        return mean * sample;
    }

    private static double Normal(double u1, double u2) => Math.Sqrt(-2 * Math.Log(1 - u1)) * Math.Cos(2 * Math.PI * u2);

    private NodeLoadMonitor CreateMonitor()
        => new(
            new SkewedTime(_time, TimeSpan.FromMilliseconds(Spec.ClockSkewMs)),
            new SimulatedProcessLoad(() => 100 * Busy / Spec.Capacity, () => Queue.Count),
            TimeSpan.FromMilliseconds(500))
        {
            ConcurrencyLimit = Spec.QueueLimit,
        };
}

/// <summary>One call: which caller issued it, when, and where its current attempt is.</summary>
internal sealed class SimCall
{
    /// <summary>The current attempt's account with the peer's statistics (a field: settling mutates it).</summary>
    public PeerCallTracker Tracker;

    public int Caller { get; init; }

    public long IssuedAt { get; init; }

    /// <summary>Issued by an open-loop arrival (no slot waits for it).</summary>
    public bool Open { get; init; }

    public int Server { get; set; }

    /// <summary>The server process (generation) the caller's link was to when it sent the attempt.</summary>
    public int Generation { get; set; }

    public long ServiceStart { get; set; }

    public int Attempts { get; set; }

    /// <summary>Waiting in a server's queue.</summary>
    public bool Queued { get; set; }

    /// <summary>The caller cancelled it while it was queued: the server drops it.</summary>
    public bool Cancelled { get; set; }

    /// <summary>The caller is done with it (answered, shed, or past its deadline).</summary>
    public bool Done { get; set; }

    public List<int>? Refused { get; set; }
}

/// <summary>How a call ended for its caller.</summary>
internal enum CallEnd
{
    Completed,
    DeadlineExceeded,
    Shed,
}
