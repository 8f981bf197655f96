using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Balancing.Simulator;

/// <summary>A simulated system: servers, callers, load shape, report timing, and what to compare.</summary>
internal sealed record Workload
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string Name { get; init; } = "workload";

    public string? Description { get; init; }

    public int Seed { get; init; } = 1;

    public double DurationSeconds { get; init; } = 20;

    /// <summary>Calls completing before this are not measured.</summary>
    public double WarmupSeconds { get; init; } = 2;

    public int Callers { get; init; } = 2;

    /// <summary>Calls each caller keeps in flight (closed loop).</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Pause between a call's completion and the caller's next call on that slot.</summary>
    public double ThinkMs { get; init; }

    /// <summary>Mean service time of a call on a speed-1 server.</summary>
    public double ServiceMs { get; init; } = 10;

    /// <summary><c>exponential</c> or <c>constant</c>.</summary>
    public string ServiceDistribution { get; init; } = "exponential";

    /// <summary>One-way network delay.</summary>
    public double NetworkMs { get; init; } = 0.1;

    /// <summary>Extra delay before any report (piggybacked or broadcast) reaches a caller: staleness.</summary>
    public double ReportDelayMs { get; init; }

    public double ReportIntervalMs { get; init; } = 250;

    /// <summary>Whether responses carry a report.</summary>
    public bool Piggyback { get; init; } = true;

    /// <summary>Width of the windows that shares and per-window latency are measured over.</summary>
    public double WindowMs { get; init; } = 250;

    public IReadOnlyList<ServerSpec> Servers { get; init; } = [];

    /// <summary>Overrides of the balancing settings (null: the runtime's defaults).</summary>
    public BalancingOverrides? Balancing { get; init; }

    /// <summary>Policies to compare (null: all).</summary>
    public IReadOnlyList<string>? Policies { get; init; }

    public static Workload Parse(string json)
    {
        var workload = JsonSerializer.Deserialize<Workload>(json, Json) ?? throw new ArgumentException("The workload file is empty.");
        workload.Validate();
        return workload;
    }

    public static Workload Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>A built-in workload, by file name (without .json), from the Workloads folder next to the simulator.</summary>
    public static Workload Builtin(string name) => Load(Path.Combine(BuiltinFolder, name + ".json"));

    public static IReadOnlyList<string> BuiltinNames
        => [.. Directory.GetFiles(BuiltinFolder, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!];

    private static string BuiltinFolder => Path.Combine(AppContext.BaseDirectory, "Workloads");

    public void Validate()
    {
        Require(Servers.Count > 0, "servers must list at least one server");
        Require(Callers > 0, "callers must be positive");
        Require(Concurrency > 0, "concurrency must be positive");
        Require(DurationSeconds > WarmupSeconds && WarmupSeconds >= 0, "durationSeconds must exceed warmupSeconds (>= 0)");
        Require(ServiceMs > 0, "serviceMs must be positive");
        Require(ServiceDistribution is "exponential" or "constant", "serviceDistribution must be 'exponential' or 'constant'");
        Require(NetworkMs >= 0 && ReportDelayMs >= 0, "networkMs and reportDelayMs must not be negative");
        Require(ReportIntervalMs > 0 && WindowMs > 0, "reportIntervalMs and windowMs must be positive");
        foreach (var server in Servers)
        {
            Require(server.Capacity > 0, "a server's capacity must be positive");
            Require(server.Speed > 0, "a server's speed must be positive");
            foreach (var slow in server.Slow ?? [])
            {
                Require(slow.Factor > 0 && slow.UntilSeconds > slow.AtSeconds, "a slow event needs factor > 0 and untilSeconds > atSeconds");
            }
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid workload: {message}.");
        }
    }
}

/// <summary>One simulated server.</summary>
internal sealed record ServerSpec
{
    public string? Name { get; init; }

    /// <summary>Calls it executes at once.</summary>
    public int Capacity { get; init; } = 4;

    /// <summary>Speed factor: service time is divided by it (0.333 = 3× slower).</summary>
    public double Speed { get; init; } = 1;

    /// <summary>Refuses calls ("overloaded") when this many are executing or queued; 0 = never.</summary>
    public int QueueLimit { get; init; }

    /// <summary>When it joins (null: from the start).</summary>
    public double? JoinAtSeconds { get; init; }

    /// <summary>When it drains and leaves (null: never).</summary>
    public double? LeaveAtSeconds { get; init; }

    /// <summary>Periods during which service takes <see cref="SlowSpec.Factor"/> times longer.</summary>
    public IReadOnlyList<SlowSpec>? Slow { get; init; }
}

/// <summary>A period during which a server is slower.</summary>
internal sealed record SlowSpec(double AtSeconds, double UntilSeconds, double Factor);

/// <summary>Balancing settings to use instead of the runtime's defaults.</summary>
internal sealed record BalancingOverrides
{
    public double? SlowStartMs { get; init; }

    public double? LatencyDecayMs { get; init; }

    public double? ReportDecayMs { get; init; }

    public double? ReportWeight { get; init; }

    public double? LatencyExponent { get; init; }

    public double? LatencyTolerance { get; init; }

    public double? CostTolerance { get; init; }

    public BalancingSettings Apply(BalancingSettings settings) => settings with
    {
        SlowStartWindow = SlowStartMs is { } slowStart ? TimeSpan.FromMilliseconds(slowStart) : settings.SlowStartWindow,
        LatencyDecay = LatencyDecayMs is { } latency ? TimeSpan.FromMilliseconds(latency) : settings.LatencyDecay,
        LoadReportDecay = ReportDecayMs is { } report ? TimeSpan.FromMilliseconds(report) : settings.LoadReportDecay,
        ReportWeight = ReportWeight ?? settings.ReportWeight,
        LatencyExponent = LatencyExponent ?? settings.LatencyExponent,
        LatencyTolerance = LatencyTolerance ?? settings.LatencyTolerance,
        CostTolerance = CostTolerance ?? settings.CostTolerance,
    };
}
