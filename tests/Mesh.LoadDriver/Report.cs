using System.Globalization;

namespace Mesh.LoadDriver;

/// <summary>Prints the rows and the ratios of Mesh to each other peer, with the issue's targets.</summary>
internal static class Report
{
    public static void Print(IReadOnlyList<ResultRow> rows, IReadOnlyList<int> concurrency)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("| peer | concurrency | calls/s | p50 us | p99 us | p999 us | CPU us/call (client+server) | client | server |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(c, $"| {r.Peer} | {r.Concurrency} | {r.CallsPerSec:0} | {r.P50Us:0.0} | {r.P99Us:0.0} | {r.P999Us:0.0} | {r.CpuUsPerCall:0.00} | {r.ClientCpuUsPerCall:0.00} | {r.ServerCpuUsPerCall:0.00} |"));
        }

        var others = rows.Select(r => r.Peer).Where(p => p != "mesh").Distinct().ToList();
        if (!rows.Any(r => r.Peer == "mesh") || others.Count == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("| ratio (Mesh / peer) | concurrency | throughput | p50 latency | CPU per call |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var peer in others)
        {
            foreach (var level in concurrency)
            {
                var mesh = Find(rows, "mesh", level);
                var other = Find(rows, peer, level);
                if (mesh is null || other is null)
                {
                    continue;
                }

                Console.WriteLine(string.Create(c, $"| Mesh/{peer} | {level} | {Ratio(mesh.CallsPerSec, other.CallsPerSec)} | {Ratio(mesh.P50Us, other.P50Us)} | {Ratio(mesh.CpuUsPerCall, other.CpuUsPerCall)} |"));
            }
        }

        Console.WriteLine();
        var top = concurrency.Max();
        var low = concurrency.Min();
        Target(rows, "throughput at concurrency " + top + " >= 3 x gRPC", "grpc", top, r => r.CallsPerSec, 3, higherIsBetter: true);
        Target(rows, "throughput at concurrency " + top + " >= 2 x Orleans", "orleans", top, r => r.CallsPerSec, 2, higherIsBetter: true);
        Target(rows, "throughput at concurrency " + top + " >= 0.5 x floor", "floor", top, r => r.CallsPerSec, 0.5, higherIsBetter: true);
        Target(rows, "CPU per call at concurrency " + top + " <= 1/3 of gRPC", "grpc", top, r => r.CpuUsPerCall, 1.0 / 3, higherIsBetter: false);
        Target(rows, "p50 at concurrency " + low + " <= gRPC", "grpc", low, r => r.P50Us, 1, higherIsBetter: false);
        Target(rows, "p50 at concurrency " + low + " <= Orleans", "orleans", low, r => r.P50Us, 1, higherIsBetter: false);
        Target(rows, "p50 at concurrency " + low + " <= 1.3 x floor", "floor", low, r => r.P50Us, 1.3, higherIsBetter: false);
        Target(rows, "throughput at concurrency " + top + " with mutual TLS >= 0.7 x plaintext", "mesh", top, r => r.CallsPerSec, 0.7, higherIsBetter: true, subject: "mesh-tls");
        Target(rows, "throughput at concurrency " + top + " with mutual TLS > Orleans (plaintext)", "orleans", top, r => r.CallsPerSec, 1, higherIsBetter: true, subject: "mesh-tls");
    }

    private static ResultRow? Find(IReadOnlyList<ResultRow> rows, string peer, int concurrency)
        => rows.FirstOrDefault(r => r.Peer == peer && r.Concurrency == concurrency);

    private static string Ratio(double a, double b) => b == 0 ? "n/a" : (a / b).ToString("0.00", CultureInfo.InvariantCulture) + "x";

    private static void Target(IReadOnlyList<ResultRow> rows, string name, string peer, int concurrency, Func<ResultRow, double> value, double bound, bool higherIsBetter, string subject = "mesh")
    {
        var mesh = Find(rows, subject, concurrency);
        var other = Find(rows, peer, concurrency);
        if (mesh is null || other is null || value(other) == 0)
        {
            return;
        }

        var ratio = value(mesh) / value(other);
        var met = higherIsBetter ? ratio >= bound : ratio <= bound;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"target {name}: {subject}/{peer} = {ratio:0.00} -> {(met ? "met" : "NOT met")}"));
    }
}
