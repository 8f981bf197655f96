namespace Mesh.Balancing.Simulator.Keyed;

/// <summary>
/// A keyed workload: open-loop Poisson arrivals whose keys follow a Zipf law (optionally with one hot key taking a
/// share of the calls), served by nodes that run a call fast when they hold its key's state (they served the key
/// recently: an LRU of <see cref="CacheKeys"/> keys) and slowly otherwise; one node may turn slow mid-run.
/// </summary>
/// <param name="Name">The workload's name.</param>
/// <param name="Description">What it shows.</param>
/// <param name="Servers">Nodes hosting the service.</param>
/// <param name="Workers">Calls a node runs at once; the rest wait in its queue.</param>
/// <param name="Callers">Calling nodes, each with its own view (outstanding calls, reports) of the servers.</param>
/// <param name="RatePerSecond">Arrivals per second over all callers.</param>
/// <param name="DurationSeconds">Simulated time.</param>
/// <param name="WarmupSeconds">Calls issued before this are not measured.</param>
/// <param name="Keys">Distinct keys.</param>
/// <param name="ZipfExponent">The Zipf law's exponent s (key of rank r drawn with probability ∝ 1 / r^s); 0 for uniform.</param>
/// <param name="HotKeyShare">The share of calls that go to one hot key on top of the Zipf draw (0 for none).</param>
/// <param name="WarmServiceMs">Mean service time when the node holds the key's state (exponential).</param>
/// <param name="ColdServiceMs">Mean service time when it must load it first (exponential).</param>
/// <param name="CacheKeys">Keys whose state a node keeps (least recently used dropped first).</param>
/// <param name="SlowServer">The node that turns slow, or -1.</param>
/// <param name="SlowAtSeconds">When it does.</param>
/// <param name="SlowFactor">How much slower its calls run from then on.</param>
/// <param name="NetworkMs">One-way network delay.</param>
/// <param name="ReportIntervalMs">How often nodes broadcast their load (they also piggyback it on responses).</param>
/// <param name="Seed">All randomness comes from it.</param>
internal sealed record KeyedWorkload(
    string Name,
    string Description,
    int Servers = 5,
    int Workers = 4,
    int Callers = 4,
    double RatePerSecond = 5000,
    double DurationSeconds = 20,
    double WarmupSeconds = 2,
    int Keys = 100_000,
    double ZipfExponent = 1.0,
    double HotKeyShare = 0,
    double WarmServiceMs = 2,
    double ColdServiceMs = 6,
    int CacheKeys = 5_000,
    int SlowServer = -1,
    double SlowAtSeconds = 0,
    double SlowFactor = 1,
    double NetworkMs = 0.1,
    double ReportIntervalMs = 250,
    int Seed = 1)
{
    /// <summary>The policies compared: bounded-load hashing (the keyed default), plain consistent hashing, no affinity.</summary>
    public static IReadOnlyList<string> Policies { get; } = [BoundedLoad, ConsistentHash, LoadBalancingPolicies.LoadAware];

    public const string BoundedLoad = "BoundedLoad";

    public const string ConsistentHash = "ConsistentHash";

    public static IReadOnlyList<string> BuiltinNames { get; } = ["zipf", "zipf-deep", "hot-key", "slow-node"];

    public static KeyedWorkload Builtin(string name) => name switch
    {
        "zipf" => new("zipf", "100,000 keys, Zipf s = 1 (the top key takes 8 % of calls), 5 nodes at about 60 % busy"),
        "zipf-deep" => new("zipf-deep", "as zipf with 16 workers per node and 4x longer calls: about 14 calls held per node instead of 3.4", Workers: 16, WarmServiceMs: 8, ColdServiceMs: 24),
        "hot-key" => new("hot-key", "as zipf, plus one key taking 30 % of all calls (more than its owner can run)", HotKeyShare: 0.3),
        "slow-node" => new("slow-node", "as zipf; node 3 runs 5x slower from 5 s on", SlowServer: 2, SlowAtSeconds: 5, SlowFactor: 5),
        _ => throw new ArgumentException($"Unknown keyed workload '{name}'; use one of {string.Join(", ", BuiltinNames)}."),
    };
}
