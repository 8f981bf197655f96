using System.Globalization;

namespace Mesh.ScaleBenchmark;

/// <summary>
/// Counters of a set of processes at one instant, from /proc: CPU time (user + system, in 10 ms ticks), each live
/// thread's CPU time in nanoseconds (schedstat: the idle rows' small figures need better than 10 ms per process),
/// resident set, and — read through the first process, so from its network namespace — loopback bytes and
/// established connections on the benchmark's port.
/// </summary>
internal sealed record Sample(double CpuSeconds, IReadOnlyDictionary<long, long> ThreadNanos, long RssBytes, long LoopbackBytes, int Connections, long Timestamp)
{
    private const double TicksPerSecond = 100;

    public static Sample Take(IReadOnlyList<int> pids)
    {
        var cpu = 0.0;
        var rss = 0L;
        var threads = new Dictionary<long, long>();
        foreach (var pid in pids)
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var nanos = long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture);
                    threads[((long)pid << 32) | long.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = nanos;
                }
                catch (IOException)
                {
                    // The thread ended while being read.
                }
            }

            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            cpu += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            var vmRss = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            rss += long.Parse(vmRss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }

        return new Sample(cpu, threads, rss, Loopback(pids[0]), Established(pids[0]), System.Diagnostics.Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// CPU seconds the threads alive now used since <paramref name="earlier"/> (a thread started since counts whole).
    /// Threads that ended in between are left out: in an idle window those are pool threads retiring after idling.
    /// </summary>
    public double PreciseCpuSecondsSince(Sample earlier)
        => ThreadNanos.Sum(t => t.Value - earlier.ThreadNanos.GetValueOrDefault(t.Key)) / 1e9;

    public double SecondsSince(Sample earlier) => System.Diagnostics.Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp).TotalSeconds;

    private static long Loopback(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/net/dev"))
        {
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith("lo:", StringComparison.Ordinal))
            {
                return long.Parse(trimmed[3..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>TCP connections in state ESTABLISHED with the benchmark's port at one end, each counted once.</summary>
    private static int Established(int pid)
    {
        var port = NodeAddress.Port.ToString("X4", CultureInfo.InvariantCulture);
        var ends = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/net/tcp").Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 3 && parts[3] == "01" && (parts[1].EndsWith(":" + port, StringComparison.Ordinal) || parts[2].EndsWith(":" + port, StringComparison.Ordinal)))
            {
                ends++;
            }
        }

        return ends / 2;
    }
}
