using System.Diagnostics.Metrics;

namespace Mesh.Diagnostics;

/// <summary>
/// The runtime's metrics, on the meter <c>Mesh</c> created through the host's <see cref="IMeterFactory"/> (so each
/// host, and each test, has its own instruments, and listeners scoped to a factory see only its node).
/// </summary>
internal sealed class MeshMetrics
{
    public MeshMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeshDiagnostics.Name);
        ClientCalls = meter.CreateCounter<long>("mesh.client.calls", "{call}", "Calls made through generated clients.");
        ClientDuration = meter.CreateHistogram<double>("mesh.client.call.duration", "s", "Duration of calls made through generated clients.");
        ServerCalls = meter.CreateCounter<long>("mesh.server.calls", "{call}", "Calls served by this node.");
        ServerActive = meter.CreateUpDownCounter<long>("mesh.server.active_calls", "{call}", "Calls executing on this node.");
    }

    /// <summary>Calls made by this node's clients, tagged by service and outcome.</summary>
    public Counter<long> ClientCalls { get; }

    /// <summary>Duration of calls made by this node's clients.</summary>
    public Histogram<double> ClientDuration { get; }

    /// <summary>Calls served by this node, tagged by service and outcome.</summary>
    public Counter<long> ServerCalls { get; }

    /// <summary>Calls executing on this node right now.</summary>
    public UpDownCounter<long> ServerActive { get; }
}
