using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Mesh.OpenTelemetry;

/// <summary>Adds Mesh's instrumentation (meter and activity source <c>Mesh</c>) to OpenTelemetry providers.</summary>
public static class MeshInstrumentationExtensions
{
    /// <summary>The name of Mesh's meter and activity source.</summary>
    public const string SourceName = "Mesh";

    /// <summary>
    /// Collects Mesh's call spans: a client span per call (<c>{service}/{method}</c>, retries as <c>mesh.retry</c>
    /// events) and, on the serving node, a server span that is its child across the wire (W3C trace context).
    /// </summary>
    public static TracerProviderBuilder AddMeshInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(SourceName);
    }

    /// <summary>
    /// Collects Mesh's metrics: <c>rpc.client.call.duration</c>, <c>rpc.server.call.duration</c> and the
    /// <c>mesh.*</c> instruments (links, retries, refusals, the balancer's view of each peer).
    /// </summary>
    public static MeterProviderBuilder AddMeshInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(SourceName);
    }
}
