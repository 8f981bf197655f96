using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mesh.Balancing.Simulator;

/// <summary>Formats results: the comparison table and one JSON object per run.</summary>
internal static class Report
{
    public static string TableHeader()
        => string.Format(CultureInfo.InvariantCulture, "{0,-16} {1,-17} {2,9} {3,8} {4,8} {5,8} {6,8} {7,6} {8,9} {9,9} {10,9} {11,6}  {12}",
            "workload", "policy", "calls/s", "p50 ms", "p99 ms", "p999 ms", "ok %", "shed", "util m/m", "calls m/m", "win m/m", "swing", "shares (%)");

    public static string TableRow(SimResult r, double warmupSeconds)
    {
        var (worst, swing) = r.Windows(1.0, warmupSeconds);
        var shares = string.Join(" ", r.Servers.Select(s => (s.Share * 100).ToString("0.0", CultureInfo.InvariantCulture)));
        return string.Format(CultureInfo.InvariantCulture, "{0,-16} {1,-17} {2,9:0} {3,8:0.00} {4,8:0.00} {5,8:0.00} {6,8:0.000} {7,6} {8,9:0.000} {9,9:0.000} {10,9:0.000} {11,6:0.000}  {12}",
            r.Workload, r.Policy, r.Throughput, r.P50Ms, r.P99Ms, r.P999Ms, r.SuccessRatio * 100, r.Shed, r.MaxMeanUtilisation, r.MaxMeanCalls, worst, swing, shares);
    }

    public static string Json(SimResult r, double warmupSeconds)
    {
        var (worst, swing) = r.Windows(1.0, warmupSeconds);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("workload", r.Workload);
            json.WriteString("policy", r.Policy);
            json.WriteNumber("throughput", Math.Round(r.Throughput, 1));
            json.WriteNumber("p50Ms", Round(r.P50Ms));
            json.WriteNumber("p99Ms", Round(r.P99Ms));
            json.WriteNumber("p999Ms", Round(r.P999Ms));
            json.WriteNumber("maxMeanUtilisation", Round(r.MaxMeanUtilisation));
            json.WriteNumber("maxMeanCalls", Round(r.MaxMeanCalls));
            json.WriteNumber("worstWindowMaxMean", Round(worst));
            json.WriteNumber("shareSwing", Round(swing));
            json.WriteNumber("refusals", r.Refusals);
            json.WriteNumber("successRatio", Round(r.SuccessRatio));
            json.WriteNumber("deadlineExceeded", r.DeadlineExceeded);
            json.WriteNumber("shed", r.Shed);
            json.WriteStartArray("servers");
            foreach (var s in r.Servers)
            {
                json.WriteStartObject();
                json.WriteString("name", s.Name);
                json.WriteNumber("share", Round(s.Share));
                json.WriteNumber("calls", s.Calls);
                json.WriteNumber("utilisation", Round(s.Utilisation));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 4) : -1;
}
