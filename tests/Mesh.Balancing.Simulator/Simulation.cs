using Mesh.Load;

namespace Mesh.Balancing.Simulator;

/// <summary>
/// A deterministic discrete-event simulation of N callers × M servers. Callers pick with the runtime's own
/// <see cref="ILoadBalancingPolicy"/> over the runtime's own <see cref="PeerStats"/>, settling each attempt
/// through a <see cref="PeerCallTracker"/> exactly as a link does (answered, refused, or abandoned at the
/// caller's deadline); servers measure themselves with the runtime's <see cref="NodeLoadMonitor"/>, on their own
/// (possibly skewed) wall clock, and their reports travel encoded with <see cref="LoadReportCodec"/>, each
/// delayed by its own draw (so they can arrive out of order). Arrivals are closed loops or open-loop Poisson
/// with a rate that varies over time; a stalled server freezes its running calls, queue, replies and reports;
/// joins, drains and rejoins reach each caller at its own time. Time is a <see cref="SimulatedTime"/>; all
/// randomness comes from the workload's seed.
/// </summary>
internal sealed class Simulation
{
    /// <summary>How long a draining server keeps its process (and links) before it exits.</summary>
    private const double LeaveGraceMs = 1000;

    private readonly Workload _workload;
    private readonly string _policyName;
    private readonly SimulatedTime _time = new();
    private readonly PriorityQueue<Event, (long Time, long Sequence)> _events = new();
    private readonly SimServer[] _servers;
    private readonly Caller[] _callers;
    private readonly BalancingSettings _settings;
    private readonly SimMetrics _metrics;
    private readonly Random _reportJitter;
    private readonly long _end;
    private readonly long _deadline;
    private long _sequence;
    private long _reportMessages;

    public Simulation(Workload workload, string policyName)
    {
        workload.Validate();
        _workload = workload;
        _policyName = policyName;
        _settings = workload.Balancing?.Apply(BalancingSettings.Default) ?? BalancingSettings.Default;
        _end = Micros(workload.DurationSeconds * 1000);
        _deadline = Micros(workload.DeadlineMs);
        _reportJitter = new Random(Seed(999_999));
        _servers = [.. workload.Servers.Select((spec, i) => new SimServer(i, spec, _time, Seed(1000 + i)))];
        _callers = [.. Enumerable.Range(0, workload.Callers + workload.LateCallers).Select(i => new Caller(
            i,
            CreatePolicy(policyName, (ulong)Seed(i)),
            _servers.Length,
            new SlowStartGate(_settings.SlowStartWindow, _time),
            new Random(Seed(500_000 + i)),
            i < workload.Callers ? 0 : Micros(workload.LateCallersAtSeconds * 1000),
            workload.Aperture is { } floor ? new ApertureSizer(floor) : null))];
        _metrics = new SimMetrics(workload, _servers);
    }

    public static IReadOnlyList<string> PolicyNames { get; } = [.. LoadBalancingPolicies.All, GlobalLeastLoadedPolicy.PolicyName];

    private enum Kind
    {
        Join,
        Leave,
        Learn,
        CallerJoin,
        Issue,
        Arrive,
        Cancel,
        Finish,
        Thaw,
        Respond,
        Deadline,
        Report,
        Broadcast,
        Sample,
    }

    public SimResult Run()
    {
        foreach (var server in _servers)
        {
            Schedule(Micros((server.Spec.JoinAtSeconds ?? 0) * 1000), new Event(Kind.Join, -1, server.Index));
            if (server.Spec.LeaveAtSeconds is { } leave)
            {
                Schedule(Micros(leave * 1000), new Event(Kind.Leave, -1, server.Index));
            }

            if (server.Spec.RejoinAtSeconds is { } rejoin)
            {
                Schedule(Micros(rejoin * 1000), new Event(Kind.Join, -1, server.Index));
            }

            foreach (var stall in server.Spec.Stalls ?? [])
            {
                Schedule(Micros(stall.UntilSeconds * 1000), new Event(Kind.Thaw, -1, server.Index));
            }
        }

        foreach (var caller in _callers)
        {
            Schedule(caller.JoinAt, new Event(Kind.CallerJoin, caller.Index, -1));
        }

        while (_events.TryDequeue(out var e, out var key))
        {
            if (key.Time > _end)
            {
                break;
            }

            _time.AdvanceTo(key.Time);
            Handle(e);
        }

        var result = _metrics.Finish(_policyName, _servers);
        var perCaller = _callers.Select(c => c.Stats.Count(s => s is not null)).ToArray();
        var perServer = _servers.Select(s => _callers.Count(c => c.Stats[s.Index] is not null)).ToArray();
        return result with
        {
            Links = new LinkFigures(
                perCaller.Average(),
                perCaller.Max(),
                perServer.Average(),
                perServer.Max(),
                perCaller.Sum(),
                _reportMessages / Math.Max(1e-9, _workload.DurationSeconds)),
        };
    }

    private ILoadBalancingPolicy CreatePolicy(string name, ulong seed)
        => name.Equals(GlobalLeastLoadedPolicy.PolicyName, StringComparison.OrdinalIgnoreCase)
            ? new GlobalLeastLoadedPolicy(new PickRandom(seed))
            : LoadBalancingPolicyFactory.Create(name, _time, new PickRandom(seed));

    private void Handle(in Event e)
    {
        switch (e.Kind)
        {
            case Kind.Join: Join(_servers[e.Server]); break;
            case Kind.Leave: Leave(_servers[e.Server]); break;
            case Kind.Learn: Learn(_callers[e.Caller], _servers[e.Server], e.Generation); break;
            case Kind.CallerJoin: CallerJoin(_callers[e.Caller]); break;
            case Kind.Issue: Issue(_callers[e.Caller], e.Call, e.Open); break;
            case Kind.Arrive: Arrive(_servers[e.Server], e.Call!); break;
            case Kind.Cancel: Cancel(_servers[e.Server], e.Call!); break;
            case Kind.Finish: Finish(_servers[e.Server], e.Call!); break;
            case Kind.Thaw: StartWork(_servers[e.Server]); break;
            case Kind.Respond: Respond(_callers[e.Caller], e.Call!, e.Refused, e.Report, e.Lost, e.Generation); break;
            case Kind.Deadline: Expire(_callers[e.Caller], e.Call!); break;
            case Kind.Report: Deliver(_callers[e.Caller], e.Server, e.Report!, e.Generation); break;
            case Kind.Broadcast: Broadcast(_servers[e.Server], e.Generation); break;
            case Kind.Sample: SampleAperture(_callers[e.Caller]); break;
        }
    }

    private void Join(SimServer server)
    {
        // A (re)joining server is a new process: fresh monitor, fresh links (which ramp up) at each caller.
        if (server.Generation > 0)
        {
            server.Restart();
        }

        server.Generation++;
        server.Present = true;
        foreach (var caller in _callers)
        {
            ScheduleLearn(caller, server);
        }

        Schedule(_time.Now + Micros(_workload.ReportIntervalMs), new Event(Kind.Broadcast, -1, server.Index, Generation: server.Generation));
    }

    private void Leave(SimServer server)
    {
        // The node drains: it says so (go-away, and its reports) and callers send it nothing new once they hear;
        // calls that still reach it, and calls in flight, are served.
        server.Present = false;
        server.GoneAt = _time.Now + Micros(LeaveGraceMs);
        server.Monitor.BeginDrain();
        foreach (var caller in _callers)
        {
            ScheduleLearn(caller, server);
        }
    }

    private void ScheduleLearn(Caller caller, SimServer server)
    {
        var jitter = _workload.MembershipJitterMs <= 0 ? 0 : Micros(caller.Random.NextDouble() * _workload.MembershipJitterMs);
        Schedule(_time.Now + jitter, new Event(Kind.Learn, caller.Index, server.Index, Generation: server.Generation * (server.Present ? 1 : -1)));
    }

    private void Learn(Caller caller, SimServer server, int generation)
    {
        if (caller.JoinAt > _time.Now)
        {
            return;
        }

        if (caller.Sizer is not null)
        {
            // Through an aperture: the caller follows membership, and its window follows at its next call.
            caller.Known[server.Index] = generation;
            if (generation < 0 && caller.Generations[server.Index] == -generation)
            {
                caller.Stats[server.Index]?.MarkDraining();
            }

            caller.WindowDirty = true;
            caller.Rebuild();
            return;
        }

        if (generation > 0 && caller.Generations[server.Index] < generation)
        {
            caller.Stats[server.Index] = new PeerStats(_settings, _time, rampUp: caller.SlowStart.ShouldRamp());
            caller.Generations[server.Index] = generation;
        }
        else if (generation < 0 && caller.Generations[server.Index] == -generation)
        {
            caller.Stats[server.Index]?.MarkDraining();
        }

        caller.Rebuild();
    }

    private void CallerJoin(Caller caller)
    {
        if (caller.Sizer is not null)
        {
            foreach (var server in _servers.Where(s => s.Present))
            {
                caller.Known[server.Index] = server.Generation;
            }

            caller.WindowDirty = true;
            Schedule(_time.Now + Micros(PeerLinksSampleMs), new Event(Kind.Sample, caller.Index, -1));
        }
        else
        {
            JoinFullMesh(caller);
        }

        StartCalls(caller);
    }

    private void JoinFullMesh(Caller caller)
    {
        // The caller links to the servers present now; later changes reach it through Learn.
        foreach (var server in _servers.Where(s => s.Present))
        {
            caller.Stats[server.Index] = new PeerStats(_settings, _time, rampUp: caller.SlowStart.ShouldRamp());
            caller.Generations[server.Index] = server.Generation;
        }

        caller.Rebuild();
    }

    private void StartCalls(Caller caller)
    {
        if (_workload.ArrivalRate > 0 || _workload.RateSteps is { Count: > 0 })
        {
            ScheduleArrival(caller);
            return;
        }

        for (var slot = 0; slot < _workload.Concurrency; slot++)
        {
            // Spread the first calls over the first millisecond so callers do not start in lockstep.
            Schedule(_time.Now + (slot * 1000L / _workload.Concurrency), new Event(Kind.Issue, caller.Index, -1));
        }
    }

    private void ScheduleArrival(Caller caller)
    {
        // Poisson arrivals with a time-varying rate, by thinning: candidates at the highest rate, each kept with
        // probability rate(t) / max. The rate is split evenly between the callers present.
        var max = _workload.MaxRate;
        if (max <= 0)
        {
            return;
        }

        var t = _time.Now;
        while (true)
        {
            var present = _callers.Count(c => c.JoinAt <= t);
            var perCaller = max / Math.Max(1, present);
            t += Math.Max(1, Micros(-Math.Log(1 - caller.Random.NextDouble()) / perCaller * 1000));
            if (t > _end)
            {
                return;
            }

            if (caller.Random.NextDouble() * max < _workload.RateAt(t / 1e6))
            {
                Schedule(t, new Event(Kind.Issue, caller.Index, -1, Open: true));
                return;
            }
        }
    }

    private void Issue(Caller caller, SimCall? retry, bool open = false)
    {
        if (open)
        {
            ScheduleArrival(caller);
        }

        if (retry is null)
        {
            if (_workload.MaxCallsPerCaller > 0 && caller.Issued >= _workload.MaxCallsPerCaller)
            {
                return;
            }

            caller.Issued++;
            retry = new SimCall { Caller = caller.Index, IssuedAt = _time.Now, Open = open };
            if (_deadline > 0)
            {
                Schedule(_time.Now + _deadline, new Event(Kind.Deadline, caller.Index, -1, retry));
            }
        }

        var call = retry;
        if (call.Done)
        {
            return;
        }

        if (caller.WindowDirty)
        {
            UpdateWindow(caller);
        }

        var candidates = caller.Candidates;
        var indices = caller.CandidateServers;
        if (call.Refused is { Count: > 0 } refused)
        {
            var kept = indices.Select((server, i) => (server, i)).Where(p => !refused.Contains(p.server)).ToArray();
            if (kept.Length > 0)
            {
                indices = [.. kept.Select(p => p.server)];
                candidates = [.. kept.Select(p => candidates[p.i])];
            }
        }

        if (candidates.Length == 0)
        {
            // Nobody to call yet (every server left or has not joined): try again in a millisecond.
            Schedule(_time.Now + 1000, new Event(Kind.Issue, caller.Index, -1, call));
            return;
        }

        var pick = caller.Policy.Pick(candidates);
        call.Server = indices[pick];
        call.Attempts++;
        call.Tracker = candidates[pick].Track();
        call.Generation = caller.Generations[call.Server];
        Schedule(_time.Now + Network(caller.Index, call.Server), new Event(Kind.Arrive, caller.Index, call.Server, call));
    }

    private void Arrive(SimServer server, SimCall call)
    {
        if (call.Generation != server.Generation || (!server.Present && _time.Now >= server.GoneAt))
        {
            // The process it was sent to is gone: the link broke; the caller gives up on this attempt and retries.
            Schedule(_time.Now + Network(call.Caller, server.Index), new Event(Kind.Respond, call.Caller, server.Index, call, Refused: true, Lost: true));
            return;
        }

        server.Monitor.OnQueued();
        if (!server.Frozen(_time.Now) && server.Spec.QueueLimit > 0 && server.Busy + server.Queue.Count >= server.Spec.QueueLimit)
        {
            server.Monitor.OnDropped();
            _metrics.Refusals++;
            Reply(server, call, refused: true);
            return;
        }

        call.Queued = true;
        server.Queue.Enqueue(call);
        StartWork(server);
    }

    private void Cancel(SimServer server, SimCall call)
    {
        // The caller gave up: a call still queued is dropped; one already running runs on (its handler may not
        // watch its token).
        if (call.Queued && !call.Cancelled)
        {
            call.Cancelled = true;
            server.Monitor.OnDropped();
        }
    }

    private void StartWork(SimServer server)
    {
        if (server.Frozen(_time.Now))
        {
            return;
        }

        while (server.Busy < server.Spec.Capacity && server.Queue.TryDequeue(out var call))
        {
            if (call.Cancelled)
            {
                continue;
            }

            call.Queued = false;
            server.Busy++;
            call.ServiceStart = server.Monitor.OnStarted();
            var service = Math.Max(1, Micros(server.SampleServiceMs(_workload, _time.Now / 1e6)));
            Schedule(server.FinishTime(_time.Now, service), new Event(Kind.Finish, call.Caller, server.Index, call));
        }
    }

    private void Finish(SimServer server, SimCall call)
    {
        server.Monitor.OnEnded(call.ServiceStart);
        server.Busy--;
        _metrics.OnServed(server.Index, call.ServiceStart, _time.Now);
        Reply(server, call, refused: false);
        StartWork(server);
    }

    private void Reply(SimServer server, SimCall call, bool refused)
    {
        var network = Network(call.Caller, server.Index);
        byte[]? report = null;
        if (_workload.Piggyback)
        {
            report = Encode(server.Monitor.Take(LoadReportFields.None));
            var delay = ReportDelay();
            if (delay > 0)
            {
                // Late reports: the report reaches the caller after the response it rode on (or after a newer one).
                Schedule(_time.Now + network + delay, new Event(Kind.Report, call.Caller, server.Index, Report: report, Generation: server.Generation));
                report = null;
            }
        }

        Schedule(_time.Now + network, new Event(Kind.Respond, call.Caller, server.Index, call, report, refused, Generation: server.Generation));
    }

    private void Respond(Caller caller, SimCall call, bool refused, byte[]? report, bool lost = false, int generation = 0)
    {
        if (report is not null)
        {
            Deliver(caller, call.Server, report, generation);
        }

        if (call.Done)
        {
            // The caller gave up on it at its deadline; the late answer finds nobody waiting (the tracker is settled).
            return;
        }

        if (refused)
        {
            // Not executed: an "overloaded" refusal counts against the peer and the call goes elsewhere at once;
            // a broken link tells nothing about load.
            call.Tracker.Settle(lost ? PeerCallOutcome.Abandoned : PeerCallOutcome.Refused, _time.Now);
            (call.Refused ??= []).Add(call.Server);
            if (call.Attempts >= _workload.MaxAttempts && !lost)
            {
                End(caller, call, CallEnd.Shed);
                return;
            }

            Issue(caller, call);
            return;
        }

        call.Tracker.Settle(PeerCallOutcome.Answered, _time.Now);
        End(caller, call, CallEnd.Completed);
    }

    private void Expire(Caller caller, SimCall call)
    {
        if (call.Done)
        {
            return;
        }

        // The runtime's abandon path: the attempt is settled as abandoned and the server told to cancel.
        call.Tracker.Settle(PeerCallOutcome.Abandoned, _time.Now);
        Schedule(_time.Now + Network(caller.Index, call.Server), new Event(Kind.Cancel, caller.Index, call.Server, call));
        End(caller, call, CallEnd.DeadlineExceeded);
    }

    private void End(Caller caller, SimCall call, CallEnd end)
    {
        call.Done = true;
        _metrics.OnEnded(call.IssuedAt, _time.Now, end);
        if (!call.Open)
        {
            Schedule(_time.Now + Micros(_workload.ThinkMs), new Event(Kind.Issue, caller.Index, -1));
        }
    }

    private void Broadcast(SimServer server, int generation)
    {
        if (server.Generation != generation || (!server.Present && _time.Now >= server.GoneAt))
        {
            return;
        }

        if (!server.Frozen(_time.Now))
        {
            var report = Encode(server.Monitor.Take(LoadReportFields.All));
            foreach (var caller in _callers)
            {
                if (caller.Stats[server.Index] is null)
                {
                    // No link to this server (not yet joined, or outside the caller's aperture): no report.
                    continue;
                }

                _reportMessages++;
                Schedule(_time.Now + Network(caller.Index, server.Index) + ReportDelay(), new Event(Kind.Report, caller.Index, server.Index, Report: report, Generation: generation));
            }
        }

        Schedule(_time.Now + Micros(_workload.ReportIntervalMs), new Event(Kind.Broadcast, -1, server.Index, Generation: generation));
    }

    private static void Deliver(Caller caller, int server, byte[] bytes, int generation)
    {
        if (caller.Stats[server] is { } stats && caller.Generations[server] == generation && LoadReportCodec.TryRead(bytes, out var report))
        {
            stats.OnReport(report);
            if (report.IsDraining)
            {
                caller.Rebuild();
            }
        }
    }

    /// <summary>As often as the runtime's links sample their apertures.</summary>
    private const double PeerLinksSampleMs = 500;

    /// <summary>
    /// Re-links a caller to its aperture over the servers it knows to be present: new links for servers that enter
    /// its window (fresh statistics, slow start as the runtime's links get), none kept for servers that leave it.
    /// </summary>
    private void UpdateWindow(Caller caller)
    {
        caller.WindowDirty = false;
        var present = Enumerable.Range(0, _servers.Length).Where(i => caller.Known[i] > 0).ToArray();
        var inWindow = new bool[_servers.Length];
        if (present.Length > 0)
        {
            foreach (var index in ApertureRing.Window(caller.Index, _callers.Length, present.Length, caller.Sizer!.Size))
            {
                inWindow[present[index]] = true;
            }
        }

        for (var server = 0; server < _servers.Length; server++)
        {
            if (!inWindow[server])
            {
                caller.Stats[server] = null;
            }
            else if (caller.Stats[server] is null || caller.Generations[server] != caller.Known[server])
            {
                caller.Stats[server] = new PeerStats(_settings, _time, rampUp: caller.SlowStart.ShouldRamp());
                caller.Generations[server] = caller.Known[server];
            }
        }

        caller.Rebuild();
    }

    private void SampleAperture(Caller caller)
    {
        var outstanding = 0;
        var linked = 0;
        foreach (var stats in caller.Stats)
        {
            if (stats is not null)
            {
                linked++;
                outstanding += stats.Outstanding;
            }
        }

        if (caller.Sizer!.Sample(outstanding, linked, caller.Known.Count(g => g > 0)))
        {
            caller.WindowDirty = true;
        }

        Schedule(_time.Now + Micros(PeerLinksSampleMs), new Event(Kind.Sample, caller.Index, -1));
    }

    private long ReportDelay()
    {
        var jitter = _workload.ReportJitterMs;
        if (jitter <= 0)
        {
            return Micros(_workload.ReportDelayMs);
        }

        var u = _reportJitter.NextDouble();
        var extra = _workload.ReportJitterDistribution == "exponential" ? -Math.Log(1 - u) * jitter : u * jitter;
        return Micros(_workload.ReportDelayMs + extra);
    }

    private long Network(int caller, int server)
    {
        foreach (var path in _workload.SlowPaths ?? [])
        {
            if (path.Caller == caller && path.Server == server)
            {
                return Micros(path.NetworkMs);
            }
        }

        return Micros(_workload.NetworkMs);
    }

    private static byte[] Encode(in LoadReport report)
    {
        Span<byte> buffer = stackalloc byte[LoadReportCodec.MaxSize];
        return buffer[..LoadReportCodec.Write(report, buffer)].ToArray();
    }

    private void Schedule(long at, Event e) => _events.Enqueue(e, (at, _sequence++));

    private int Seed(int salt)
    {
        // A fixed mix (HashCode is randomised per process): the same workload seed replays the same run.
        var x = ((ulong)(uint)_workload.Seed << 32) ^ (uint)salt;
        x = (x ^ (x >> 33)) * 0xFF51AFD7ED558CCDUL;
        x = (x ^ (x >> 33)) * 0xC4CEB9FE1A85EC53UL;
        return (int)((x ^ (x >> 33)) & int.MaxValue);
    }

    internal static long Micros(double milliseconds) => (long)Math.Round(milliseconds * 1000);

    private readonly record struct Event(
        Kind Kind,
        int Caller,
        int Server,
        SimCall? Call = null,
        byte[]? Report = null,
        bool Refused = false,
        bool Lost = false,
        bool Open = false,
        int Generation = 0);

    /// <summary>A caller node: its policy, its statistics per server as a link set would hold them, and its slow-start gate.</summary>
    private sealed class Caller(int index, ILoadBalancingPolicy policy, int servers, SlowStartGate slowStart, Random random, long joinAt, ApertureSizer? sizer)
    {
        private bool _dirty = true;
        private PeerStats[] _candidates = [];
        private int[] _candidateServers = [];

        /// <summary>The caller's aperture; null in a full mesh.</summary>
        public ApertureSizer? Sizer => sizer;

        /// <summary>With an aperture: the generation of each server the caller knows present (negative or 0: absent).</summary>
        public int[] Known { get; } = new int[servers];

        /// <summary>With an aperture: membership or the aperture's size changed since the window was last computed.</summary>
        public bool WindowDirty { get; set; }

        public SlowStartGate SlowStart => slowStart;

        public int Index => index;

        public ILoadBalancingPolicy Policy => policy;

        public Random Random => random;

        public long JoinAt => joinAt;

        public int Issued { get; set; }

        public PeerStats?[] Stats { get; } = new PeerStats?[servers];

        /// <summary>Which process (generation) of each server the caller's link is to.</summary>
        public int[] Generations { get; } = new int[servers];

        public PeerStats[] Candidates
        {
            get
            {
                Refresh();
                return _candidates;
            }
        }

        public int[] CandidateServers
        {
            get
            {
                Refresh();
                return _candidateServers;
            }
        }

        /// <summary>Marks the candidates stale; they are rebuilt at the next call (many membership changes, one rebuild).</summary>
        public void Rebuild() => _dirty = true;

        private void Refresh()
        {
            if (!_dirty)
            {
                return;
            }

            _dirty = false;
            _candidateServers = [.. Enumerable.Range(0, Stats.Length).Where(i => Stats[i] is { IsAvailable: true })];
            _candidates = [.. _candidateServers.Select(i => Stats[i]!)];
        }
    }
}
