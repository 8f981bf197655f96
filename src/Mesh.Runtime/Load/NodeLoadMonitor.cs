namespace Mesh.Load;

/// <summary>
/// Measures this node's load as a server — calls waiting and executing, the smoothed time a call takes,
/// process CPU and thread-pool backlog, whether it is draining — and takes numbered, timestamped
/// <see cref="LoadReport"/>s of it. Thread-safe; every method is a few interlocked operations.
/// </summary>
internal sealed class NodeLoadMonitor
{
    private readonly TimeProvider _time;
    private readonly IProcessLoadSource _process;
    private readonly double _decayTicks;
    private readonly Lock _gate = new();
    private int _inFlight;
    private int _queued;
    private int _sequence;
    private double _serviceTimeMicros;
    private long _lastServiceSample;
    private bool _hasServiceTime;
    private volatile bool _draining;

    /// <param name="time">The clock (the system clock, or a simulated one).</param>
    /// <param name="process">Where CPU and thread-pool figures come from.</param>
    /// <param name="serviceTimeDecay">Time constant of the service-time average: a sample's weight falls to 1/e after it.</param>
    public NodeLoadMonitor(TimeProvider time, IProcessLoadSource process, TimeSpan serviceTimeDecay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(serviceTimeDecay, TimeSpan.Zero);
        _time = time;
        _process = process;
        _decayTicks = serviceTimeDecay.TotalSeconds * time.TimestampFrequency;
    }

    /// <summary>Calls this node executes at once before refusing new ones; 0 when unlimited.</summary>
    public int ConcurrencyLimit { get; set; }

    public int InFlight => Volatile.Read(ref _inFlight);

    public int Queued => Volatile.Read(ref _queued);

    public bool IsDraining => _draining;

    /// <summary>The smoothed service time in microseconds (0 before the first call completes).</summary>
    public double ServiceTimeMicros => Volatile.Read(ref _serviceTimeMicros);

    /// <summary>A call arrived and waits to run.</summary>
    public void OnQueued() => Interlocked.Increment(ref _queued);

    /// <summary>A waiting call starts executing; returns the timestamp to hand to <see cref="OnEnded"/>.</summary>
    public long OnStarted()
    {
        Interlocked.Decrement(ref _queued);
        Interlocked.Increment(ref _inFlight);
        return _time.GetTimestamp();
    }

    /// <summary>A call that arrived ended without executing (refused, or its link closed first).</summary>
    public void OnDropped() => Interlocked.Decrement(ref _queued);

    /// <summary>An executing call ended; folds its duration into the service-time average and returns the end's timestamp.</summary>
    public long OnEnded(long startedTimestamp)
    {
        var now = _time.GetTimestamp();
        Interlocked.Decrement(ref _inFlight);
        var micros = (now - startedTimestamp) * 1_000_000.0 / _time.TimestampFrequency;
        lock (_gate)
        {
            if (!_hasServiceTime)
            {
                Volatile.Write(ref _serviceTimeMicros, micros);
                _hasServiceTime = true;
            }
            else
            {
                // Time-weighted EWMA: the result does not depend on the call rate, only on the time constant.
                var weight = Math.Exp(-(now - _lastServiceSample) / _decayTicks);
                Volatile.Write(ref _serviceTimeMicros, (_serviceTimeMicros * weight) + (micros * (1 - weight)));
            }

            _lastServiceSample = now;
        }

        return now;
    }

    /// <summary>A span of this monitor's timestamps in seconds.</summary>
    public double Seconds(long ticks) => (double)ticks / _time.TimestampFrequency;

    /// <summary>The node begins to drain: reports say so from now on.</summary>
    public void BeginDrain() => _draining = true;

    /// <summary>
    /// Takes a report. <paramref name="fields"/> chooses the optional fields: none for the compact report
    /// piggybacked on responses, <see cref="LoadReportFields.All"/> for the periodic broadcast (which also
    /// samples CPU).
    /// </summary>
    public LoadReport Take(LoadReportFields fields)
    {
        var sequence = (ushort)Interlocked.Increment(ref _sequence);
        var takenAt = (uint)_time.GetUtcNow().ToUnixTimeMilliseconds();
        return new LoadReport(
            sequence,
            takenAt,
            Math.Max(0, InFlight),
            Math.Max(0, Queued),
            (int)Math.Min(int.MaxValue, ServiceTimeMicros),
            _draining,
            fields,
            (fields & LoadReportFields.ConcurrencyLimit) != 0 ? ConcurrencyLimit : 0,
            (fields & LoadReportFields.Cpu) != 0 ? _process.SampleCpuPercent() : 0,
            (fields & LoadReportFields.ThreadPoolQueue) != 0 ? _process.ThreadPoolQueueLength : 0);
    }
}
