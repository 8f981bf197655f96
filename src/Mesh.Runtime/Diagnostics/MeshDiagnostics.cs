using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mesh.Diagnostics;

/// <summary>The runtime's metrics (meter <c>Mesh</c>) and traces (activity source <c>Mesh</c>).</summary>
internal static class MeshDiagnostics
{
    public const string Name = "Mesh";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Calls made by this node's clients, tagged by service and outcome.</summary>
    public static readonly Counter<long> ClientCalls = Meter.CreateCounter<long>("mesh.client.calls", "{call}", "Calls made through generated clients.");

    /// <summary>Duration of calls made by this node's clients.</summary>
    public static readonly Histogram<double> ClientDuration = Meter.CreateHistogram<double>("mesh.client.call.duration", "s", "Duration of calls made through generated clients.");

    /// <summary>Calls served by this node, tagged by service and outcome.</summary>
    public static readonly Counter<long> ServerCalls = Meter.CreateCounter<long>("mesh.server.calls", "{call}", "Calls served by this node.");

    /// <summary>Calls executing on this node right now.</summary>
    public static readonly UpDownCounter<long> ServerActive = Meter.CreateUpDownCounter<long>("mesh.server.active_calls", "{call}", "Calls executing on this node.");
}
