using System.Globalization;

namespace Mesh.Balancing.Simulator;

/// <summary>
/// The scale comparison: many callers and many servers, each caller linked to every server (full mesh) or to its
/// deterministic aperture, same workload, same seed. Reports per-server load, links per node and the key figures.
/// </summary>
internal static class Scale
{
    /// <summary>
    /// <paramref name="servers"/> servers (4 slots, 10 ms exponential service) and <paramref name="callers"/> callers
    /// with two calls each in flight (closed loop: half the servers' slots busy), for <paramref name="seconds"/>.
    /// </summary>
    public static Workload Create(int servers, int callers, double seconds = 6, int? aperture = null, int seed = 1) => new()
    {
        Name = string.Create(CultureInfo.InvariantCulture, $"scale-{servers}x{callers}"),
        Description = string.Create(CultureInfo.InvariantCulture, $"{callers} callers x {servers} servers, 2 calls in flight per caller, 10 ms exponential service, 4 slots per server"),
        Seed = seed,
        DurationSeconds = seconds,
        WarmupSeconds = 1,
        Callers = callers,
        Concurrency = 2,
        ServiceMs = 10,
        ReportIntervalMs = 1000,
        WindowMs = 1000,
        Aperture = aperture,
        Servers = [.. Enumerable.Range(0, servers).Select(i => new ServerSpec { Name = string.Create(CultureInfo.InvariantCulture, $"s{i}"), Capacity = 4 })],
    };

    public static string Header()
        => string.Format(CultureInfo.InvariantCulture, "{0,-22} {1,-10} {2,9} {3,8} {4,8} {5,10} {6,10} {7,14} {8,14} {9,10} {10,11}",
            "workload", "links", "calls/s", "p50 ms", "p99 ms", "calls m/m", "util m/m", "per caller", "per server", "total", "reports/s");

    public static string Row(SimResult r, string mode)
    {
        var links = r.Links!;
        return string.Format(CultureInfo.InvariantCulture, "{0,-22} {1,-10} {2,9:0} {3,8:0.00} {4,8:0.00} {5,10:0.000} {6,10:0.000} {7,14} {8,14} {9,10} {10,11:0}",
            r.Workload, mode, r.Throughput, r.P50Ms, r.P99Ms, r.MaxMeanCalls, r.MaxMeanUtilisation,
            string.Create(CultureInfo.InvariantCulture, $"{links.PerCallerMean:0.0} (max {links.PerCallerMax})"),
            string.Create(CultureInfo.InvariantCulture, $"{links.PerServerMean:0.0} (max {links.PerServerMax})"),
            links.Total, links.ReportsPerSecond);
    }
}
