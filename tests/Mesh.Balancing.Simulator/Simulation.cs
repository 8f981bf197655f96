using Mesh.Load;

namespace Mesh.Balancing.Simulator;

/// <summary>
/// A deterministic discrete-event simulation of N callers × M servers. Callers pick with the runtime's own
/// <see cref="ILoadBalancingPolicy"/> over the runtime's own <see cref="PeerStats"/>, fed exactly as a link
/// feeds them; servers measure themselves with the runtime's <see cref="NodeLoadMonitor"/>, and their
/// reports travel encoded with <see cref="LoadReportCodec"/>. Time is a <see cref="SimulatedTime"/>; all
/// randomness comes from the workload's seed.
/// </summary>
internal sealed class Simulation
{
    private readonly Workload _workload;
    private readonly string _policyName;
    private readonly SimulatedTime _time = new();
    private readonly PriorityQueue<Event, (long Time, long Sequence)> _events = new();
    private readonly SimServer[] _servers;
    private readonly Caller[] _callers;
    private readonly BalancingSettings _settings;
    private readonly SimMetrics _metrics;
    private readonly long _end;
    private readonly long _network;
    private readonly long _reportDelay;
    private long _sequence;

    public Simulation(Workload workload, string policyName)
    {
        workload.Validate();
        _workload = workload;
        _policyName = policyName;
        _settings = workload.Balancing?.Apply(BalancingSettings.Default) ?? BalancingSettings.Default;
        _end = Micros(workload.DurationSeconds * 1000);
        _network = Micros(workload.NetworkMs);
        _reportDelay = Micros(workload.ReportDelayMs);
        _servers = [.. workload.Servers.Select((spec, i) => new SimServer(i, spec, _time, Seed(1000 + i)))];
        _callers = [.. Enumerable.Range(0, workload.Callers).Select(i => new Caller(i, CreatePolicy(policyName, (ulong)Seed(i)), _servers.Length, new SlowStartGate(_settings.SlowStartWindow, _time)))];
        _metrics = new SimMetrics(workload, _servers);
    }

    public static IReadOnlyList<string> PolicyNames { get; } = [.. LoadBalancingPolicies.All, GlobalLeastLoadedPolicy.PolicyName];

    private enum Kind
    {
        Join,
        Leave,
        Issue,
        Arrive,
        Finish,
        Respond,
        Report,
        Broadcast,
    }

    public SimResult Run()
    {
        foreach (var server in _servers)
        {
            Schedule(Micros((server.Spec.JoinAtSeconds ?? 0) * 1000), new Event(Kind.Join, -1, server.Index, null, null, false));
            if (server.Spec.LeaveAtSeconds is { } leave)
            {
                Schedule(Micros(leave * 1000), new Event(Kind.Leave, -1, server.Index, null, null, false));
            }
        }

        foreach (var caller in _callers)
        {
            for (var slot = 0; slot < _workload.Concurrency; slot++)
            {
                // Spread the first calls over the first millisecond so callers do not start in lockstep.
                Schedule(slot * 1000L / _workload.Concurrency, new Event(Kind.Issue, caller.Index, -1, null, null, false));
            }
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

        return _metrics.Finish(_policyName, _servers);
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
            case Kind.Issue: Issue(_callers[e.Caller], e.Call); break;
            case Kind.Arrive: Arrive(_servers[e.Server], e.Call!); break;
            case Kind.Finish: Finish(_servers[e.Server], e.Call!); break;
            case Kind.Respond: Respond(_callers[e.Caller], e.Call!, e.Refused, e.Report); break;
            case Kind.Report: Deliver(_callers[e.Caller], e.Server, e.Report!); break;
            case Kind.Broadcast: Broadcast(_servers[e.Server]); break;
        }
    }

    private void Join(SimServer server)
    {
        server.Present = true;
        foreach (var caller in _callers)
        {
            caller.Stats[server.Index] = new PeerStats(_settings, _time, rampUp: caller.SlowStart.ShouldRamp());
            caller.Rebuild(_servers);
        }

        Schedule(_time.Now + Micros(_workload.ReportIntervalMs), new Event(Kind.Broadcast, -1, server.Index, null, null, false));
    }

    private void Leave(SimServer server)
    {
        // The node drains: it says so (go-away) and callers send it nothing new; calls in flight finish.
        server.Present = false;
        server.Monitor.BeginDrain();
        foreach (var caller in _callers)
        {
            caller.Stats[server.Index]?.MarkDraining();
            caller.Rebuild(_servers);
        }
    }

    private void Issue(Caller caller, SimCall? retry)
    {
        var call = retry ?? new SimCall { Caller = caller.Index, IssuedAt = _time.Now };
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
            Schedule(_time.Now + 1000, new Event(Kind.Issue, caller.Index, -1, call, null, false));
            return;
        }

        var pick = caller.Policy.Pick(candidates);
        var stats = candidates[pick];
        call.Server = indices[pick];
        call.Stats = stats;
        call.SentAt = _time.Now;
        call.Attempts++;
        stats.OnSent();
        Schedule(_time.Now + _network, new Event(Kind.Arrive, caller.Index, call.Server, call, null, false));
    }

    private void Arrive(SimServer server, SimCall call)
    {
        server.Monitor.OnQueued();
        if (server.Spec.QueueLimit > 0 && server.Busy + server.Queue.Count >= server.Spec.QueueLimit)
        {
            server.Monitor.OnDropped();
            _metrics.Refusals++;
            Reply(server, call, refused: true);
            return;
        }

        server.Queue.Enqueue(call);
        StartWork(server);
    }

    private void StartWork(SimServer server)
    {
        while (server.Busy < server.Spec.Capacity && server.Queue.TryDequeue(out var call))
        {
            server.Busy++;
            call.ServiceStart = server.Monitor.OnStarted();
            var mean = _workload.ServiceMs / server.Spec.Speed * server.SlowFactor(_time.Now / 1e6);
            var sample = _workload.ServiceDistribution == "constant" ? 1.0 : -Math.Log(1 - server.Random.NextDouble());
            Schedule(_time.Now + Math.Max(1, Micros(mean * sample)), new Event(Kind.Finish, call.Caller, server.Index, call, null, false));
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
        byte[]? report = null;
        if (_workload.Piggyback)
        {
            report = Encode(server.Monitor.Take(LoadReportFields.None));
        }

        if (report is not null && _reportDelay > 0)
        {
            // Stale reports: the report reaches the caller well after the response it rode on.
            Schedule(_time.Now + _network + _reportDelay, new Event(Kind.Report, call.Caller, server.Index, null, report, false));
            report = null;
        }

        Schedule(_time.Now + _network, new Event(Kind.Respond, call.Caller, server.Index, call, report, refused));
    }

    private void Respond(Caller caller, SimCall call, bool refused, byte[]? report)
    {
        if (report is not null)
        {
            Deliver(caller, call.Server, report);
        }

        if (refused)
        {
            // Not executed: counts against the peer, and the call goes elsewhere at once.
            call.Stats!.OnRefused();
            (call.Refused ??= []).Add(call.Server);
            Issue(caller, call);
            return;
        }

        call.Stats!.OnCompleted(call.SentAt);
        _metrics.OnCompleted(call.IssuedAt, _time.Now);
        var next = _time.Now + Micros(_workload.ThinkMs);
        Schedule(next, new Event(Kind.Issue, caller.Index, -1, null, null, false));
    }

    private void Broadcast(SimServer server)
    {
        if (!server.Present)
        {
            return;
        }

        var report = Encode(server.Monitor.Take(LoadReportFields.All));
        foreach (var caller in _callers)
        {
            Schedule(_time.Now + _network + _reportDelay, new Event(Kind.Report, caller.Index, server.Index, null, report, false));
        }

        Schedule(_time.Now + Micros(_workload.ReportIntervalMs), new Event(Kind.Broadcast, -1, server.Index, null, null, false));
    }

    private static void Deliver(Caller caller, int server, byte[] bytes)
    {
        if (caller.Stats[server] is { } stats && LoadReportCodec.TryRead(bytes, out var report))
        {
            stats.OnReport(report);
        }
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

    private static long Micros(double milliseconds) => (long)Math.Round(milliseconds * 1000);

    private readonly record struct Event(Kind Kind, int Caller, int Server, SimCall? Call, byte[]? Report, bool Refused);

    /// <summary>A caller node: its policy, its statistics per server as a link set would hold them, and its slow-start gate.</summary>
    private sealed class Caller(int index, ILoadBalancingPolicy policy, int servers, SlowStartGate slowStart)
    {
        public SlowStartGate SlowStart => slowStart;

        public int Index => index;

        public ILoadBalancingPolicy Policy => policy;

        public PeerStats?[] Stats { get; } = new PeerStats?[servers];

        public PeerStats[] Candidates { get; private set; } = [];

        public int[] CandidateServers { get; private set; } = [];

        public void Rebuild(SimServer[] all)
        {
            CandidateServers = [.. all.Where(s => s.Present && Stats[s.Index] is not null).Select(s => s.Index)];
            Candidates = [.. CandidateServers.Select(i => Stats[i]!)];
        }
    }
}
