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

    /// <summary>What the workload is judged by (printed with the table), e.g. "p99.9 and calls within the deadline".</summary>
    public string? FigureOfMerit { get; init; }

    /// <summary>
    /// Whether the default's p99 and p99.9 are held to the bars here (false where the run has too few calls for its
    /// tail to mean anything, such as 300 sequential calls: its figure of merit is the spread).
    /// </summary>
    public bool LatencyBars { get; init; } = true;

    /// <summary>Calls each caller keeps in flight (closed loop; ignored when <see cref="ArrivalRate"/> is set).</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Open loop: calls per second over all callers (Poisson, split evenly between the callers present); 0 = closed loop.</summary>
    public double ArrivalRate { get; init; }

    /// <summary>Changes of the open-loop rate from a time on (steps), in calls per second over all callers.</summary>
    public IReadOnlyList<RateStep>? RateSteps { get; init; }

    /// <summary>Periodic bursts of the open-loop rate.</summary>
    public BurstSpec? Bursts { get; init; }

    /// <summary>Each call's deadline from its issue (0 = none): the caller abandons it then, through the runtime's abandon path.</summary>
    public double DeadlineMs { get; init; }

    /// <summary>Attempts a call makes when peers refuse it as overloaded (then it fails: shed).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Each caller stops after this many calls (0 = never).</summary>
    public int MaxCallsPerCaller { get; init; }

    /// <summary>Callers that join mid-run (in addition to <see cref="Callers"/>), at <see cref="LateCallersAtSeconds"/>.</summary>
    public int LateCallers { get; init; }

    public double LateCallersAtSeconds { get; init; }

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

    /// <summary>Random extra report delay on top of <see cref="ReportDelayMs"/>, drawn per report (so reports reorder).</summary>
    public double ReportJitterMs { get; init; }

    /// <summary><c>uniform</c> (0 to the jitter) or <c>exponential</c> (mean the jitter).</summary>
    public string ReportJitterDistribution { get; init; } = "uniform";

    /// <summary>A join, drain or rejoin reaches each caller at its own time: uniformly within this after it happened.</summary>
    public double MembershipJitterMs { get; init; }

    /// <summary>Caller-to-server paths slower than <see cref="NetworkMs"/>.</summary>
    public IReadOnlyList<PathSpec>? SlowPaths { get; init; }

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

    /// <summary>
    /// When set, each caller links only to its deterministic aperture of the servers (the runtime's
    /// <see cref="ApertureRing"/>), at least this many, grown and shrunk by the runtime's <see cref="ApertureSizer"/>;
    /// when null, every caller links to every server (full mesh).
    /// </summary>
    public int? Aperture { get; init; }

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

    /// <summary>The open-loop rate (all callers) at <paramref name="seconds"/>.</summary>
    public double RateAt(double seconds)
    {
        var rate = ArrivalRate;
        foreach (var step in RateSteps ?? [])
        {
            if (seconds >= step.AtSeconds)
            {
                rate = step.Rate;
            }
        }

        if (Bursts is { } burst && seconds >= burst.StartSeconds && (seconds - burst.StartSeconds) % burst.EverySeconds < burst.DurationSeconds)
        {
            rate *= burst.Factor;
        }

        return rate;
    }

    /// <summary>The highest open-loop rate the workload reaches (for thinning).</summary>
    public double MaxRate => Math.Max(ArrivalRate, (RateSteps ?? []).Select(s => s.Rate).DefaultIfEmpty(0).Max()) * Math.Max(1, Bursts?.Factor ?? 1);

    public void Validate()
    {
        Require(Servers.Count > 0, "servers must list at least one server");
        Require(Callers > 0, "callers must be positive");
        Require(Aperture is null or > 0, "aperture must be positive (or absent for a full mesh)");
        Require(Concurrency > 0, "concurrency must be positive");
        Require(ArrivalRate >= 0 && (RateSteps ?? []).All(r => r.Rate >= 0), "arrivalRate and rateSteps must not be negative");
        Require(Bursts is null || (Bursts.EverySeconds > 0 && Bursts.DurationSeconds > 0 && Bursts.Factor > 0), "bursts need everySeconds, durationSeconds and factor > 0");
        Require(DeadlineMs >= 0 && MaxAttempts > 0 && MaxCallsPerCaller >= 0 && LateCallers >= 0, "deadlineMs, maxCallsPerCaller and lateCallers must not be negative, maxAttempts positive");
        Require(ReportJitterMs >= 0 && MembershipJitterMs >= 0, "reportJitterMs and membershipJitterMs must not be negative");
        Require(ReportJitterDistribution is "uniform" or "exponential", "reportJitterDistribution must be 'uniform' or 'exponential'");
        Require((SlowPaths ?? []).All(p => p.Caller >= 0 && p.Server >= 0 && p.Server < Servers.Count && p.NetworkMs >= 0), "a slow path names a caller and a server (0-based) and networkMs >= 0");
        Require(DurationSeconds > WarmupSeconds && WarmupSeconds >= 0, "durationSeconds must exceed warmupSeconds (>= 0)");
        Require(ServiceMs > 0, "serviceMs must be positive");
        Require(ServiceDistribution is "exponential" or "constant" or "lognormal" or "bimodal", "serviceDistribution must be exponential, constant, lognormal or bimodal");
        Require(NetworkMs >= 0 && ReportDelayMs >= 0, "networkMs and reportDelayMs must not be negative");
        Require(ReportIntervalMs > 0 && WindowMs > 0, "reportIntervalMs and windowMs must be positive");
        foreach (var server in Servers)
        {
            Require(server.Capacity > 0, "a server's capacity must be positive");
            Require(server.Speed > 0, "a server's speed must be positive");
            Require(server.ServiceMs is null or > 0, "a server's serviceMs must be positive");
            Require(server.Distribution is null or "exponential" or "constant" or "lognormal" or "bimodal", "a server's distribution must be exponential, constant, lognormal or bimodal");
            Require(server.Sigma > 0 && server.BimodalFraction is > 0 and < 1 && server.BimodalFactor >= 1, "sigma > 0, 0 < bimodalFraction < 1, bimodalFactor >= 1");
            Require(server.RejoinAtSeconds is null || server.RejoinAtSeconds > server.LeaveAtSeconds, "rejoinAtSeconds needs an earlier leaveAtSeconds");
            foreach (var stall in server.Stalls ?? [])
            {
                Require(stall.UntilSeconds > stall.AtSeconds, "a stall needs untilSeconds > atSeconds");
            }

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

    /// <summary>When it drains and leaves (null: never); calls that still reach it are served.</summary>
    public double? LeaveAtSeconds { get; init; }

    /// <summary>When it comes back as a new process after leaving (null: never).</summary>
    public double? RejoinAtSeconds { get; init; }

    /// <summary>Mean service time on this server (null: the workload's <see cref="Workload.ServiceMs"/>), before <see cref="Speed"/>.</summary>
    public double? ServiceMs { get; init; }

    /// <summary><c>exponential</c>, <c>constant</c>, <c>lognormal</c> or <c>bimodal</c> (null: the workload's).</summary>
    public string? Distribution { get; init; }

    /// <summary>The lognormal's sigma (the mean stays the service time).</summary>
    public double Sigma { get; init; } = 1;

    /// <summary>Bimodal: this fraction of calls takes <see cref="BimodalFactor"/> times the others (mean kept).</summary>
    public double BimodalFraction { get; init; } = 0.05;

    public double BimodalFactor { get; init; } = 20;

    /// <summary>How far this node's wall clock is ahead (negative: behind), as its reports' timestamps show.</summary>
    public double ClockSkewMs { get; init; }

    /// <summary>Periods during which the node is frozen: running calls, queued calls, replies and reports all stop.</summary>
    public IReadOnlyList<StallSpec>? Stalls { get; init; }

    /// <summary>Periods during which service takes <see cref="SlowSpec.Factor"/> times longer.</summary>
    public IReadOnlyList<SlowSpec>? Slow { get; init; }
}

/// <summary>A period during which a server is slower.</summary>
internal sealed record SlowSpec(double AtSeconds, double UntilSeconds, double Factor);

/// <summary>A frozen period.</summary>
internal sealed record StallSpec(double AtSeconds, double UntilSeconds);

/// <summary>The open-loop rate from a time on.</summary>
internal sealed record RateStep(double AtSeconds, double Rate);

/// <summary>Every <see cref="EverySeconds"/> from <see cref="StartSeconds"/>, the rate is multiplied by <see cref="Factor"/> for <see cref="DurationSeconds"/>.</summary>
internal sealed record BurstSpec(double EverySeconds, double DurationSeconds, double Factor, double StartSeconds = 0);

/// <summary>The one-way delay between one caller and one server.</summary>
internal sealed record PathSpec(int Caller, int Server, double NetworkMs);

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

    public int? Choices { get; init; }

    public double? IdleTolerance { get; init; }

    public double? LeastRecentWins { get; init; }

    public BalancingSettings Apply(BalancingSettings settings) => settings with
    {
        SlowStartWindow = SlowStartMs is { } slowStart ? TimeSpan.FromMilliseconds(slowStart) : settings.SlowStartWindow,
        LatencyDecay = LatencyDecayMs is { } latency ? TimeSpan.FromMilliseconds(latency) : settings.LatencyDecay,
        LoadReportDecay = ReportDecayMs is { } report ? TimeSpan.FromMilliseconds(report) : settings.LoadReportDecay,
        ReportWeight = ReportWeight ?? settings.ReportWeight,
        LatencyExponent = LatencyExponent ?? settings.LatencyExponent,
        LatencyTolerance = LatencyTolerance ?? settings.LatencyTolerance,
        CostTolerance = CostTolerance ?? settings.CostTolerance,
        Choices = Choices ?? settings.Choices,
        IdleTolerance = IdleTolerance ?? settings.IdleTolerance,
        LeastRecentWins = LeastRecentWins ?? settings.LeastRecentWins,
    };
}
