using Mesh.Load;

namespace Mesh.Balancing;

/// <summary>
/// What one caller knows about one peer, which is all a balancing policy looks at: its own calls
/// outstanding there, the peak-EWMA latency it observed, the peer's latest load report and that report's
/// age, slow-start state, refusals, and whether the peer is ready and not draining.
/// </summary>
/// <remarks>
/// Thread-safe. Several threads update one peer's statistics at once: each of the peer's connections
/// (<see cref="MeshOptions.ConnectionsPerPeer"/>) settles its calls on its own receive loop, routers settle the
/// calls they abandon, and short-circuited local calls settle on pool threads. The latency estimate and the
/// refusals are updated under a spin lock (their updates are a few arithmetic operations, so one interlocked
/// operation to enter and a plain write to leave cost less than a monitor, and nothing that blocks runs under it);
/// the outstanding count is interlocked; a report is kept by one writer at a time, and a report that arrives
/// while another is being written is dropped (it is as fresh as the one being kept). Pickers read without
/// locking: a pick may see one field of a report newer than another, which only blurs that pick. The runtime settles each call exactly once through a <see cref="PeerCallTracker"/>;
/// the simulator and the tests drive the primitive updates directly.
/// </remarks>
internal sealed class PeerStats
{
    /// <summary>Each answer's weight in <see cref="MeanLatencyMs"/>.</summary>
    private const double MeanWeight = 0.1;

    private readonly TimeProvider _time;
    private readonly double _frequency;
    private readonly double _latencyDecayTicks;
    private readonly double _reportDecayTicks;
    private readonly double _refusalDecayTicks;
    private readonly long _slowStartTicks;
    private int _outstanding;
    private double _latencyMs = double.NaN;
    private long _latencyStamp;
    private double _meanMs = double.NaN;
    private bool _hasReport;
    private ushort _reportSequence;
    private int _reportedLoad;
    private int _reportedServiceMicros;
    private long _reportReceived;
    private double _reportAgeAtReceiptMs;
    private double _refusals;
    private long _refusedTotal;
    private long _refusalStamp;
    private long _quietSince;
    private long _lastSent = long.MinValue;
    private long _samples;
    private int _busy;
    private int _reportWriter;
    private int _draining;

    /// <param name="settings">The tunables.</param>
    /// <param name="time">The clock.</param>
    /// <param name="rampUp">
    /// Whether the peer ramps up over the slow-start window from now; false for a peer that counts as already
    /// ramped (one of the node's initial peers, see <see cref="SlowStartGate"/>).
    /// </param>
    public PeerStats(BalancingSettings settings, TimeProvider time, bool rampUp = true)
    {
        _time = time;
        _frequency = time.TimestampFrequency;
        _latencyDecayTicks = settings.LatencyDecay.TotalSeconds * _frequency;
        _reportDecayTicks = settings.LoadReportDecay.TotalSeconds * _frequency;
        _refusalDecayTicks = settings.RefusalDecay.TotalSeconds * _frequency;
        _slowStartTicks = rampUp ? (long)(settings.SlowStartWindow.TotalSeconds * _frequency) : 0;
        RampsUp = rampUp && _slowStartTicks > 0;
        Settings = settings;
        JoinedAt = time.GetTimestamp();
    }

    public BalancingSettings Settings { get; }

    /// <summary>The clock this peer's timestamps come from.</summary>
    public TimeProvider Time => _time;

    /// <summary>When the peer joined (its link became usable); slow start counts from here.</summary>
    public long JoinedAt { get; }

    /// <summary>Whether the peer ramps up over the slow-start window after <see cref="JoinedAt"/>.</summary>
    public bool RampsUp { get; }

    /// <summary>The caller's calls sent to the peer that have not completed.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Whether discovery reports the peer ready; set only by the router's table (<c>PeerDirectory</c>).</summary>
    public bool IsReady { get; set; } = true;

    /// <summary>The peer said it is draining (go-away or its report): it gets no new calls.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    /// <summary>Ready and not draining: may take new calls.</summary>
    public bool IsAvailable => IsReady && !IsDraining;

    public bool HasReport => _hasReport;

    /// <summary>Calls the peer said it holds (executing + queued) in its latest report.</summary>
    public int ReportedLoad => _reportedLoad;

    /// <summary>The peer's reported service time in ms, or NaN without a report.</summary>
    public double ReportedServiceTimeMs => _hasReport ? _reportedServiceMicros / 1000.0 : double.NaN;

    /// <summary>Every "overloaded" refusal the peer answered so far (never decays; see <see cref="Refusals"/>).</summary>
    public long RefusedTotal => Interlocked.Read(ref _refusedTotal);

    /// <summary>When this caller last sent the peer a call (<see cref="long.MinValue"/> before the first).</summary>
    public long LastSentAt => Volatile.Read(ref _lastSent);

    /// <summary>Latency samples taken so far (calls that came back with a response or a remote error).</summary>
    public long Samples => Interlocked.Read(ref _samples);

    /// <summary>A call is being sent to the peer; returns the send's timestamp (from <see cref="Time"/>).</summary>
    public long OnSent()
    {
        var now = _time.GetTimestamp();
        Volatile.Write(ref _lastSent, now);
        if (Interlocked.Increment(ref _outstanding) == 1)
        {
            Volatile.Write(ref _quietSince, now);
        }

        return now;
    }

    /// <summary>Starts tracking one attempt sent to this peer; settle the tracker exactly once.</summary>
    public PeerCallTracker Track() => new(this, OnSent());

    /// <summary>A call ended without telling anything about the peer's speed (cancelled, link lost, not sent).</summary>
    public void OnAbandoned()
    {
        Interlocked.Decrement(ref _outstanding);
        Volatile.Write(ref _quietSince, _time.GetTimestamp());
    }

    /// <summary>
    /// A call sent at <paramref name="sentTimestamp"/> ended without an answer (deadline, cancelled, link lost, not
    /// sent). It is no latency sample, but the peer held it for the time since it was sent without answering: when
    /// that is longer than the estimate (or, for a peer not measured yet, than the default latency), the peer is at
    /// least that slow and the estimate is raised to it. Without this, a peer whose calls all time out would only
    /// ever keep its fast samples and look fast again as soon as its timed-out calls are gone.
    /// </summary>
    public void OnAbandoned(long sentTimestamp, long now)
    {
        var heldMs = (now - sentTimestamp) * 1000.0 / _frequency;
        Enter();
        try
        {
            // Compared with the estimate as it stands now (an idle peer's decays), so a second call given up after
            // as long as the first renews the estimate instead of leaving it to decay from the first.
            var current = _latencyMs;
            if (!double.IsNaN(current))
            {
                current *= Decay(now - _latencyStamp, _latencyDecayTicks);
            }

            if (double.IsNaN(current) ? heldMs > Settings.DefaultLatency.TotalMilliseconds : heldMs >= current)
            {
                _latencyMs = heldMs;
                _latencyStamp = Math.Max(_latencyStamp, now);
                _meanMs = double.IsNaN(_meanMs) ? heldMs : Math.Max(_meanMs, heldMs);
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }

        Interlocked.Decrement(ref _outstanding);
        Volatile.Write(ref _quietSince, now);
    }

    /// <summary>A call sent at <paramref name="sentTimestamp"/> completed (response or remote error): a latency sample.</summary>
    public void OnCompleted(long sentTimestamp) => OnCompleted(sentTimestamp, _time.GetTimestamp());

    /// <summary>A call sent at <paramref name="sentTimestamp"/> completed (response or remote error): a latency sample.</summary>
    /// <param name="sentTimestamp">When the call was sent (from <see cref="Time"/>).</param>
    /// <param name="now">When its answer arrived (from <see cref="Time"/>); answers read together share one.</param>
    public void OnCompleted(long sentTimestamp, long now)
    {
        var rtt = (now - sentTimestamp) * 1000.0 / _frequency;
        Enter();
        try
        {
            var current = _latencyMs;
            if (double.IsNaN(current) || rtt > current)
            {
                // Peak: a slower sample replaces the estimate at once.
                _latencyMs = rtt;
            }
            else
            {
                // Answers read together share one timestamp and may be folded in any order: never go back in time.
                var weight = now > _latencyStamp ? Math.Exp(-(now - _latencyStamp) / _latencyDecayTicks) : 1;
                _latencyMs = (current * weight) + (rtt * (1 - weight));
            }

            _latencyStamp = Math.Max(_latencyStamp, now);
            if (_samples > 0)
            {
                // The first answer on a link is left out of the mean: it carries the link's and the code's warm-up
                // (one such answer at 10x kept a peer out of a sequential caller's turns for seconds). Then a
                // running average until the weight reaches 0.1.
                _meanMs = double.IsNaN(_meanMs) ? rtt : _meanMs + (Math.Max(MeanWeight, 1.0 / _samples) * (rtt - _meanMs));
            }

            _samples++;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }

        Volatile.Write(ref _quietSince, now);
        Interlocked.Decrement(ref _outstanding);
    }

    /// <summary>The peer refused a call as overloaded (it did not run it): counts against the peer for a while.</summary>
    public void OnRefused()
    {
        var now = _time.GetTimestamp();
        Enter();
        try
        {
            _refusals = (_refusals * Decay(now - _refusalStamp, _refusalDecayTicks)) + 1;
            _refusalStamp = Math.Max(_refusalStamp, now);
            _refusedTotal++;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }

        Volatile.Write(ref _quietSince, now);
        Interlocked.Decrement(ref _outstanding);
    }

    /// <summary>The peer said it is draining: it gets no new calls. True the first time.</summary>
    public bool MarkDraining() => Interlocked.Exchange(ref _draining, 1) == 0;

    /// <summary>
    /// Keeps <paramref name="report"/> as the peer's latest, unless a newer one was already seen or another report
    /// of the peer is being kept at this very moment (from another of its connections).
    /// </summary>
    public void OnReport(in LoadReport report)
    {
        if (report.IsDraining)
        {
            // A draining node never stops draining: one flag, whichever way the peer said it.
            MarkDraining();
        }

        if (Interlocked.Exchange(ref _reportWriter, 1) != 0)
        {
            return;
        }

        try
        {
            if (_hasReport && (short)(report.Sequence - _reportSequence) <= 0)
            {
                return;
            }

            var received = _time.GetTimestamp();
            var nowMs = (uint)_time.GetUtcNow().ToUnixTimeMilliseconds();

            // Clocks of different nodes differ: a report "from the future" counts as fresh; one that looks old
            // because the sender's clock is behind is discounted, which only makes the caller rely on its own data.
            var age = (int)(nowMs - report.TakenAtMs);

            _reportSequence = report.Sequence;
            _reportedLoad = report.Load;
            _reportedServiceMicros = report.ServiceTimeMicros;
            _reportAgeAtReceiptMs = Math.Max(0, age);
            _reportReceived = received;
            _hasReport = true;
        }
        finally
        {
            Volatile.Write(ref _reportWriter, 0);
        }
    }

    /// <summary>The report's weight now: exp(−age / decay); 0 without a report or when older than 4 × decay.</summary>
    public double ReportWeight(long now)
    {
        if (!_hasReport)
        {
            return 0;
        }

        // Past four time constants (weight < 2%) a report is ignored outright: a stale report must never
        // steer picks, so the policy falls back to the caller's own data exactly.
        var ageTicks = (now - _reportReceived) + (_reportAgeAtReceiptMs * _frequency / 1000.0);
        return ageTicks > 4 * _reportDecayTicks ? 0 : Decay(ageTicks, _reportDecayTicks);
    }

    /// <summary>The report's age in ms now, or infinity without a report.</summary>
    public double ReportAgeMs(long now)
        => _hasReport ? ((now - _reportReceived) * 1000.0 / _frequency) + _reportAgeAtReceiptMs : double.PositiveInfinity;

    /// <summary>
    /// The peak-EWMA latency estimate in ms, NaN before the first sample. While nothing is outstanding it
    /// decays toward zero, so a peer that was slow is tried again once it has been left alone for a while.
    /// </summary>
    public double LatencyMs(long now)
    {
        var latency = _latencyMs;
        return Outstanding == 0 && !double.IsNaN(latency)
            ? latency * Decay(now - _latencyStamp, _latencyDecayTicks)
            : latency;
    }

    /// <summary>
    /// A plain moving average of the answers' latencies after the first (a running average, then each answer weighs
    /// 0.1, whenever it came), NaN before the second answer: steadier than the peak estimate, for telling equal peers
    /// from slower ones when no load tells them apart.
    /// </summary>
    public double MeanLatencyMs => Volatile.Read(ref _meanMs);

    /// <summary>
    /// How long, in ms, the peer has held this caller's calls without any of them ending (0 when none is
    /// outstanding). Since no call ended in that time, the oldest outstanding call is at least this old: a
    /// lower bound on the latency the peer is giving right now, which grows while the peer stays silent —
    /// unlike <see cref="LatencyMs"/>, which learns only from calls that have come back.
    /// </summary>
    public double SilentMs(long now)
        => Outstanding <= 0 ? 0 : Math.Max(0, (now - Volatile.Read(ref _quietSince)) * 1000.0 / _frequency);

    /// <summary>Refusals counted against the peer now (each decays with the refusal time constant).</summary>
    public double Refusals(long now)
    {
        var refusals = Volatile.Read(ref _refusals);
        return refusals == 0 ? 0 : refusals * Decay(now - Volatile.Read(ref _refusalStamp), _refusalDecayTicks);
    }

    /// <summary>The slow-start factor now: ramps linearly from 0.1 to 1 over the window after joining.</summary>
    public double SlowStartFactor(long now)
    {
        var elapsed = now - JoinedAt;
        return _slowStartTicks <= 0 || elapsed >= _slowStartTicks
            ? 1
            : Math.Max(0.1, (double)elapsed / _slowStartTicks);
    }

    /// <summary>Takes the update lock (left with <c>Volatile.Write(ref _busy, 0)</c>); held for a few arithmetic operations only.</summary>
    private void Enter()
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
        {
            return;
        }

        var spin = default(SpinWait);
        do
        {
            spin.SpinOnce();
        }
        while (Interlocked.CompareExchange(ref _busy, 1, 0) != 0);
    }

    private static double Decay(double elapsedTicks, double decayTicks) => elapsedTicks <= 0 ? 1 : Math.Exp(-elapsedTicks / decayTicks);
}
