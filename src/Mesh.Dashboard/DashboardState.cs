using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Dashboard;

/// <summary>What the page polls: the node and its balancer's view of every peer.</summary>
internal sealed record DashboardState(string NodeId, string State, long TakenAtMs, IReadOnlyList<DashboardPeer> Peers)
{
    public static DashboardState Of(IMeshNode node, TimeProvider time) => new(
        node.NodeId,
        node.State.ToString(),
        time.GetUtcNow().ToUnixTimeMilliseconds(),
        [.. node.GetPeerStatistics().OrderBy(p => p.NodeId, StringComparer.Ordinal).Select(p => new DashboardPeer(
            p.NodeId,
            p.EndPoint?.ToString(),
            p.IsReady,
            p.IsDraining,
            p.SlowStart,
            p.Outstanding,
            p.LatencyMs,
            p.Answered,
            p.Refused,
            p.ReportedLoad,
            p.ReportAgeMs,
            p.Identity))]);
}

/// <summary>One peer's row.</summary>
internal sealed record DashboardPeer(
    string NodeId,
    string? EndPoint,
    bool Ready,
    bool Draining,
    double SlowStart,
    int Outstanding,
    double? LatencyMs,
    long Answered,
    long Refused,
    int? ReportedLoad,
    double? ReportAgeMs,
    string? Identity);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DashboardState))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
