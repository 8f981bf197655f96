namespace Mesh.Balancing.Simulator;

/// <summary>What one policy achieved on one workload; <see cref="Throughput"/> counts calls that completed (within the deadline, if any) per second.</summary>
internal sealed record SimResult(
    string Workload,
    string Policy,
    double Throughput,
    double P50Ms,
    double P99Ms,
    double P999Ms,
    IReadOnlyList<ServerResult> Servers,
    double MaxMeanUtilisation,
    double MaxMeanCalls,
    int Refusals,
    double WindowSeconds,
    IReadOnlyList<long[]> WindowCounts,
    IReadOnlyList<double> WindowP99Ms,
    IReadOnlyList<int> SteadyServers,
    long Completed,
    long DeadlineExceeded,
    long Shed,
    IReadOnlyList<int> FailuresBySecond)
{
    /// <summary>Links each caller holds and each server accepts at the end of the run, and load reports sent.</summary>
    public LinkFigures? Links { get; init; }

    /// <summary>Calls that completed (within the deadline, if any), of all that ended after warm-up.</summary>
    public double SuccessRatio => Completed + DeadlineExceeded + Shed == 0 ? double.NaN : (double)Completed / (Completed + DeadlineExceeded + Shed);

    /// <summary>A server's share of all calls served in windows from <paramref name="fromSeconds"/> to <paramref name="toSeconds"/>.</summary>
    public double Share(int server, double fromSeconds, double toSeconds)
    {
        long mine = 0, all = 0;
        for (var w = 0; w < WindowCounts.Count; w++)
        {
            var start = w * WindowSeconds;
            if (start >= fromSeconds - 1e-9 && start + WindowSeconds <= toSeconds + 1e-9)
            {
                mine += WindowCounts[w][server];
                all += WindowCounts[w].Sum();
            }
        }

        return all == 0 ? double.NaN : (double)mine / all;
    }

    /// <summary>
    /// The first time at or after <paramref name="fromSeconds"/> from which the server's share, over this
    /// window and the next, satisfies <paramref name="condition"/>; null if never.
    /// </summary>
    public double? FirstTime(int server, double fromSeconds, Func<double, bool> condition)
    {
        for (var w = 0; w + 1 < WindowCounts.Count; w++)
        {
            var start = w * WindowSeconds;
            if (start >= fromSeconds - 1e-9 && condition(Share(server, start, start + (2 * WindowSeconds))))
            {
                return start;
            }
        }

        return null;
    }

    /// <summary>The highest per-window p99 latency from <paramref name="fromSeconds"/> to <paramref name="toSeconds"/>.</summary>
    public double MaxWindowP99(double fromSeconds, double toSeconds)
        => Enumerable.Range(0, WindowP99Ms.Count)
            .Where(w => w * WindowSeconds >= fromSeconds - 1e-9 && (w + 1) * WindowSeconds <= toSeconds + 1e-9)
            .Select(w => WindowP99Ms[w])
            .Where(double.IsFinite)
            .DefaultIfEmpty(double.NaN)
            .Max();

    /// <summary>
    /// Herding and oscillation over windows of <paramref name="seconds"/> (after warm-up): the worst
    /// max/mean of calls among steady servers in any window, and the largest relative deviation of a
    /// steady server's window share from its share over the whole run ("swing").
    /// </summary>
    public (double WorstMaxMean, double Swing) Windows(double seconds, double warmupSeconds)
    {
        var per = Math.Max(1, (int)Math.Round(seconds / WindowSeconds));
        var first = (int)Math.Ceiling(warmupSeconds / WindowSeconds);
        var steady = SteadyServers;
        var overall = steady.Select(s => Servers[s].Share).ToArray();
        var overallSum = overall.Sum();
        double worst = 0, swing = 0;
        for (var w = first; w + per <= WindowCounts.Count; w += per)
        {
            var counts = steady.Select(s => (double)Enumerable.Range(w, per).Sum(i => WindowCounts[i][s])).ToArray();
            var total = counts.Sum();
            if (total == 0)
            {
                continue;
            }

            worst = Math.Max(worst, SimMetrics.MaxOverMean(counts));
            for (var i = 0; i < counts.Length; i++)
            {
                var expected = overall[i] / overallSum;
                swing = Math.Max(swing, Math.Abs((counts[i] / total) - expected) / expected);
            }
        }

        return (worst, swing);
    }
}

/// <summary>One server's part in a run.</summary>
internal sealed record ServerResult(string Name, long Calls, double Share, double Utilisation, double CapacityShare);

/// <summary>How many links the callers held at the end of a run, and how many load-report messages flowed.</summary>
internal sealed record LinkFigures(double PerCallerMean, int PerCallerMax, double PerServerMean, int PerServerMax, long Total, double ReportsPerSecond);
