using Mesh.Load;

namespace Mesh.Balancing.Simulator.Keyed;

/// <summary>
/// A deterministic discrete-event simulation of keyed calls: callers pick with the runtime's own
/// <see cref="BoundedLoadHashing"/> over its <see cref="KeyRing"/> (or, for no affinity, its
/// <see cref="LoadAwarePolicy"/>), each over its own <see cref="PeerStats"/> settled through
/// <see cref="PeerCallTracker"/> as a link does, with the nodes' load reports broadcast and piggybacked on responses.
/// Time is a <see cref="SimulatedTime"/>; all randomness comes from the workload's seed.
/// </summary>
internal sealed class KeyedSimulation
{
    private readonly KeyedWorkload _workload;
    private readonly string _policy;
    private readonly SimulatedTime _time = new();
    private readonly PriorityQueue<(Kind Kind, int Index), (long Time, long Sequence)> _events = new();
    private readonly Random _random;
    private readonly ulong[] _keyHashes;
    private readonly double[] _zipfCdf;
    private readonly int[] _owners;
    private readonly Server[] _servers;
    private readonly PeerStats[][] _stats;
    private readonly KeyRing[] _rings;
    private readonly BoundedLoadHashing? _hashing;
    private readonly ILoadBalancingPolicy? _unkeyed;
    private readonly List<Call> _calls = [];
    private readonly List<double> _latencies = [];
    private readonly long _warmup;
    private long _sequence;
    private ushort _reportSequence;
    private long _ownerHits;
    private long _warmHits;

    /// <param name="workload">The workload.</param>
    /// <param name="policy">One of <see cref="KeyedWorkload.Policies"/>.</param>
    /// <param name="loadBound">ε for <see cref="KeyedWorkload.BoundedLoad"/>; the runtime's default when null.</param>
    public KeyedSimulation(KeyedWorkload workload, string policy, double? loadBound = null)
    {
        _workload = workload;
        _policy = loadBound is { } bound ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{policy} ε={bound}") : policy;
        _random = new Random(workload.Seed);
        _warmup = Micros(workload.WarmupSeconds * 1000);
        var names = Enumerable.Range(1, workload.Servers).Select(i => $"node-{i}").ToArray();
        _keyHashes = [.. Enumerable.Range(0, workload.Keys).Select(i => MeshKey.Hash($"key-{i}"))];
        _zipfCdf = ZipfCdf(workload.Keys, workload.ZipfExponent);
        var ring = KeyRing.Build(names);
        _owners = [.. _keyHashes.Select(ring.Owner)];
        _servers = [.. names.Select((_, i) => new Server(i, workload.CacheKeys))];
        var settings = BalancingSettings.Default;
        _stats = [.. Enumerable.Range(0, workload.Callers).Select(_ => names.Select(_ => new PeerStats(settings, _time, rampUp: false)).ToArray())];
        _rings = [.. Enumerable.Range(0, workload.Callers).Select(_ => KeyRing.Build(names))];
        _hashing = policy switch
        {
            KeyedWorkload.BoundedLoad => new BoundedLoadHashing(loadBound ?? new MeshOptions().KeyedLoadBound, _time),
            KeyedWorkload.ConsistentHash => new BoundedLoadHashing(double.PositiveInfinity, _time),
            _ => null,
        };
        _unkeyed = _hashing is null ? LoadBalancingPolicyFactory.Create(policy, _time, new PickRandom((ulong)workload.Seed)) : null;
    }

    private enum Kind
    {
        Issue,
        Arrive,
        Finish,
        Respond,
        Broadcast,
    }

    public KeyedResult Run()
    {
        var end = Micros(_workload.DurationSeconds * 1000);
        Schedule(NextArrivalGap(), Kind.Issue, 0);
        Schedule(Micros(_workload.ReportIntervalMs), Kind.Broadcast, 0);
        while (_events.TryDequeue(out var e, out var key) && key.Time <= end)
        {
            _time.AdvanceTo(key.Time);
            switch (e.Kind)
            {
                case Kind.Issue: Issue(); break;
                case Kind.Arrive: Arrive(_calls[e.Index]); break;
                case Kind.Finish: Finish(_calls[e.Index]); break;
                case Kind.Respond: Respond(_calls[e.Index]); break;
                case Kind.Broadcast: Broadcast(); break;
            }
        }

        var measuredSeconds = (_time.Now - _warmup) / 1e6;
        var calls = _servers.Select(server => (double)server.MeasuredCalls).ToArray();
        var loads = _servers.Select(server => server.LoadIntegral / measuredSeconds).ToArray();
        _latencies.Sort();
        return new KeyedResult(
            _workload.Name,
            _policy,
            _latencies.Count,
            (double)_ownerHits / Math.Max(1, _latencies.Count),
            (double)_warmHits / Math.Max(1, _latencies.Count),
            calls.Max() / calls.Average(),
            loads.Max() / loads.Average(),
            Percentile(0.50),
            Percentile(0.99));
    }

    private void Issue()
    {
        Schedule(_time.Now + NextArrivalGap(), Kind.Issue, 0);
        var key = _workload.HotKeyShare > 0 && _random.NextDouble() < _workload.HotKeyShare ? 0 : SampleKey();
        var caller = _random.Next(_workload.Callers);
        var peers = _stats[caller];
        var server = _hashing is not null
            ? _hashing.Pick(peers, _rings[caller], _keyHashes[key])
            : _unkeyed!.Pick(peers);
        var call = new Call(_calls.Count, caller, server, key, _time.Now) { Tracker = peers[server].Track() };
        _calls.Add(call);
        Schedule(_time.Now + Micros(_workload.NetworkMs), Kind.Arrive, call.Id);
    }

    private void Arrive(Call call)
    {
        var server = _servers[call.Server];
        server.Account(_time.Now, _warmup);
        if (server.Running < _workload.Workers)
        {
            Start(server, call);
        }
        else
        {
            server.Queue.Enqueue(call);
        }
    }

    private void Start(Server server, Call call)
    {
        server.Running++;
        call.Warm = server.Touch(call.Key);
        var mean = call.Warm ? _workload.WarmServiceMs : _workload.ColdServiceMs;
        if (server.Index == _workload.SlowServer && _time.Now >= Micros(_workload.SlowAtSeconds * 1000))
        {
            mean *= _workload.SlowFactor;
        }

        var service = -mean * Math.Log(1 - _random.NextDouble());
        server.ServiceEwmaMs = (0.9 * server.ServiceEwmaMs) + (0.1 * service);
        Schedule(_time.Now + Math.Max(1, Micros(service)), Kind.Finish, call.Id);
    }

    private void Finish(Call call)
    {
        var server = _servers[call.Server];
        server.Account(_time.Now, _warmup);
        server.Running--;
        if (call.IssuedAt >= _warmup)
        {
            server.MeasuredCalls++;
        }

        if (server.Queue.TryDequeue(out var next))
        {
            Start(server, next);
        }

        Schedule(_time.Now + Micros(_workload.NetworkMs), Kind.Respond, call.Id);
    }

    private void Respond(Call call)
    {
        var peer = _stats[call.Caller][call.Server];
        call.Tracker.Settle(PeerCallOutcome.Answered, _time.Now);
        peer.OnReport(Report(_servers[call.Server]));
        if (call.IssuedAt >= _warmup)
        {
            _latencies.Add((_time.Now - call.IssuedAt) / 1000.0);
            _ownerHits += call.Server == _owners[call.Key] ? 1 : 0;
            _warmHits += call.Warm ? 1 : 0;
        }
    }

    private void Broadcast()
    {
        Schedule(_time.Now + Micros(_workload.ReportIntervalMs), Kind.Broadcast, 0);
        foreach (var server in _servers)
        {
            var report = Report(server);
            foreach (var caller in _stats)
            {
                caller[server.Index].OnReport(report);
            }
        }
    }

    private LoadReport Report(Server server)
        => new(++_reportSequence, (uint)_time.GetUtcNow().ToUnixTimeMilliseconds(), server.Running, server.Queue.Count, (int)(server.ServiceEwmaMs * 1000), IsDraining: false);

    private int SampleKey()
    {
        var index = Array.BinarySearch(_zipfCdf, _random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, _zipfCdf.Length - 1);
    }

    private long NextArrivalGap() => Math.Max(1, Micros(-1000.0 / _workload.RatePerSecond * Math.Log(1 - _random.NextDouble())));

    private void Schedule(long at, Kind kind, int index) => _events.Enqueue((kind, index), (at, _sequence++));

    private double Percentile(double q) => _latencies.Count == 0 ? 0 : _latencies[Math.Min(_latencies.Count - 1, (int)(q * _latencies.Count))];

    private static long Micros(double ms) => (long)(ms * 1000);

    private static double[] ZipfCdf(int keys, double exponent)
    {
        var cdf = new double[keys];
        var sum = 0.0;
        for (var i = 0; i < keys; i++)
        {
            sum += 1 / Math.Pow(i + 1, exponent);
            cdf[i] = sum;
        }

        for (var i = 0; i < keys; i++)
        {
            cdf[i] /= sum;
        }

        return cdf;
    }

    private sealed class Call(int id, int caller, int server, int key, long issuedAt)
    {
        public PeerCallTracker Tracker;

        public int Id { get; } = id;

        public int Caller { get; } = caller;

        public int Server { get; } = server;

        public int Key { get; } = key;

        public long IssuedAt { get; } = issuedAt;

        public bool Warm { get; set; }
    }

    /// <summary>A node: workers, a FIFO queue, and the keys whose state it holds (least recently used dropped first).</summary>
    private sealed class Server(int index, int cacheKeys)
    {
        private readonly LinkedList<int> _recent = [];
        private readonly Dictionary<int, LinkedListNode<int>> _cached = [];
        private long _accountedAt;

        public int Index { get; } = index;

        public Queue<Call> Queue { get; } = new();

        public int Running { get; set; }

        public long MeasuredCalls { get; set; }

        public double ServiceEwmaMs { get; set; } = 2;

        /// <summary>∫ (running + queued) dt over the measured time, in call-seconds.</summary>
        public double LoadIntegral { get; private set; }

        /// <summary>Accounts the load held since the last change, before it changes at <paramref name="now"/>.</summary>
        public void Account(long now, long warmup)
        {
            var from = Math.Max(_accountedAt, warmup);
            if (now > from)
            {
                LoadIntegral += (Running + Queue.Count) * (now - from) / 1e6;
            }

            _accountedAt = now;
        }

        /// <summary>Marks <paramref name="key"/> used now; true when its state was held already.</summary>
        public bool Touch(int key)
        {
            if (_cached.TryGetValue(key, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                return true;
            }

            _cached[key] = _recent.AddFirst(key);
            if (_cached.Count > cacheKeys)
            {
                _cached.Remove(_recent.Last!.Value);
                _recent.RemoveLast();
            }

            return false;
        }
    }
}
