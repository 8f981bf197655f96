namespace Mesh.Balancing.Simulator;

/// <summary>Collects what a run measured: latencies, calls per server overall and per window, busy time.</summary>
internal sealed class SimMetrics
{
    private readonly Workload _workload;
    private readonly long _warmup;
    private readonly long _end;
    private readonly long _window;
    private readonly List<double> _latencies = [];
    private readonly List<double>[] _windowLatencies;
    private readonly long[][] _windowCounts;
    private readonly long[] _served;

    public SimMetrics(Workload workload, SimServer[] servers)
    {
        _workload = workload;
        _warmup = (long)(workload.WarmupSeconds * 1e6);
        _end = (long)(workload.DurationSeconds * 1e6);
        _window = (long)(workload.WindowMs * 1000);
        var windows = (int)((_end + _window - 1) / _window);
        _windowLatencies = [.. Enumerable.Range(0, windows).Select(_ => new List<double>())];
        _windowCounts = [.. Enumerable.Range(0, windows).Select(_ => new long[servers.Length])];
        _served = new long[servers.Length];
        Servers = servers;
    }

    public SimServer[] Servers { get; }

    public int Refusals { get; set; }

    public void OnServed(int server, long started, long ended)
    {
        var window = (int)Math.Min(_windowCounts.Length - 1, ended / _window);
        _windowCounts[window][server]++;
        if (ended >= _warmup)
        {
            _served[server]++;
        }

        var from = Math.Max(started, _warmup);
        if (ended > from)
        {
            Servers[server].BusyMicros += ended - from;
        }
    }

    /// <summary>
    /// A call ended for its caller. Its latency is what the caller waited: a call past its deadline counts at the
    /// deadline, so tails are not flattered by dropping the calls that failed; a shed call counts only as shed.
    /// </summary>
    public void OnEnded(long issued, long ended, CallEnd end)
    {
        if (end == CallEnd.Shed)
        {
            if (ended >= _warmup)
            {
                Shed++;
            }

            return;
        }

        var ms = (ended - issued) / 1000.0;
        var window = (int)Math.Min(_windowLatencies.Length - 1, ended / _window);
        _windowLatencies[window].Add(ms);
        if (ended >= _warmup)
        {
            _latencies.Add(ms);
            if (end == CallEnd.Completed)
            {
                Completed++;
            }
            else
            {
                DeadlineExceeded++;
                FailuresBySecond[(int)Math.Min(FailuresBySecond.Length - 1, ended / 1_000_000)]++;
            }
        }
    }

    public long Completed { get; private set; }

    /// <summary>Calls past their deadline, by the second they failed in.</summary>
    public int[] FailuresBySecond { get; } = new int[4096];

    public long DeadlineExceeded { get; private set; }

    public long Shed { get; private set; }

    public SimResult Finish(string policy, SimServer[] servers)
    {
        var measured = (_end - _warmup) / 1e6;
        var sorted = _latencies.Order().ToArray();
        var total = _served.Sum();
        // Servers present for the whole measured interval are compared with each other.
        var steady = servers.Where(s => (s.Spec.JoinAtSeconds ?? 0) <= _workload.WarmupSeconds && s.Spec.LeaveAtSeconds is null).Select(s => s.Index).ToArray();
        var weight = servers.Select(s => s.Spec.Capacity * s.Spec.Speed).ToArray();
        var steadyWeight = steady.Sum(i => weight[i]);
        var results = servers.Select(s => new ServerResult(
            s.Name,
            _served[s.Index],
            total == 0 ? 0 : (double)_served[s.Index] / total,
            s.BusyMicros / (measured * 1e6 * s.Spec.Capacity),
            steady.Contains(s.Index) ? weight[s.Index] / steadyWeight : double.NaN)).ToArray();
        var utilisations = steady.Select(i => results[i].Utilisation).ToArray();
        var calls = steady.Select(i => (double)results[i].Calls).ToArray();
        return new SimResult(
            _workload.Name,
            policy,
            Completed / measured,
            Percentile(sorted, 0.50),
            Percentile(sorted, 0.99),
            Percentile(sorted, 0.999),
            results,
            MaxOverMean(utilisations),
            MaxOverMean(calls),
            Refusals,
            _workload.WindowMs / 1000,
            [.. _windowCounts.Select(w => (long[])w.Clone())],
            [.. _windowLatencies.Select(w => Percentile([.. w.Order()], 0.99))],
            steady,
            Completed,
            DeadlineExceeded,
            Shed,
            [.. FailuresBySecond.Take((int)Math.Ceiling(_end / 1e6))]);
    }

    public static double Percentile(double[] sorted, double p)
        => sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public static double MaxOverMean(double[] values)
        => values.Length == 0 || values.Average() == 0 ? double.NaN : values.Max() / values.Average();
}
