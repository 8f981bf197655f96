using System.Diagnostics;
using Mesh.Invocation;

namespace Mesh.Diagnostics;

/// <summary>The runtime's traces (activity source <c>Mesh</c>); metrics are <see cref="MeshMetrics"/>.</summary>
internal static class MeshDiagnostics
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Mesh";

    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>
    /// Starts the client span of a call (<c>{rpc.service}/{rpc.method}</c>, kind client, OpenTelemetry's RPC
    /// attributes), or null when nothing listens. Becomes the ambient activity: the caller restores its own.
    /// </summary>
    public static Activity? StartClientActivity(MeshMethod method)
    {
        var activity = ActivitySource.StartActivity(SpanName(method.ServiceName, method.Name), ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", MeshMetrics.RpcSystem);
            activity.SetTag("rpc.service", method.ServiceName);
            activity.SetTag("rpc.method", method.Name);
        }

        return activity;
    }

    /// <summary>Starts the server span of a call, a child of the caller's span <paramref name="parent"/> when it carried one.</summary>
    public static Activity? StartServerActivity(string service, string method, in ActivityContext parent)
    {
        var activity = ActivitySource.StartActivity(SpanName(service, method), ActivityKind.Server, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", MeshMetrics.RpcSystem);
            activity.SetTag("rpc.service", service);
            activity.SetTag("rpc.method", method);
        }

        return activity;
    }

    private static string SpanName(string service, string method) => service + "/" + method;
}
