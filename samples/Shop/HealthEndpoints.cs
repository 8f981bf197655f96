using Mesh;

namespace Shop;

/// <summary>Kubernetes probes: liveness while the process runs, readiness wired to the node's drain state.</summary>
public static class HealthEndpoints
{
    /// <summary>Liveness probe path.</summary>
    public const string LivePath = "/healthz/live";

    /// <summary>Readiness probe path: 503 until the node runs with usable TLS certificates, and from the moment it drains.</summary>
    public const string ReadyPath = "/healthz/ready";

    /// <summary>
    /// The preStop hook's path: answers after <c>Shop:PreStopDelay</c>, so the kubelet sends SIGTERM only once
    /// peers have had time to see the endpoint terminating (an HTTP hook works on every Kubernetes version and
    /// needs no <c>sleep</c> binary in the image).
    /// </summary>
    public const string PreStopPath = "/healthz/prestop";

    /// <summary>The mesh port a back-end listens on by default.</summary>
    public const int MeshPort = 7800;

    /// <summary>Maps the liveness, readiness and preStop endpoints.</summary>
    public static void MapHealthEndpoints(this WebApplication app, TimeSpan preStopDelay)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(PreStopPath, async (CancellationToken aborted) =>
        {
            // The wait is the hook's whole purpose: the kubelet holds SIGTERM until this answers.
            await Task.Delay(preStopDelay, aborted);
            return Results.Text("stopping");
        });

        app.MapGet(LivePath, (IMeshNode node) => node.State == MeshNodeState.Stopped
            ? Results.Text("stopped", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("alive"));

        // Ready only while running: false from the moment SIGTERM starts the drain, so the Pod leaves the
        // Service's ready endpoints. Degraded discovery (API unreachable) keeps the node ready on its last
        // known peers, and says so.
        // Not ready either while the node's TLS certificate files (the mounted Secret) are missing or invalid.
        app.MapGet(ReadyPath, (IMeshNode node) => node.IsReady
            ? Results.Text(node.DiscoveryFailure is { } failure ? $"ready (degraded: {failure})" : "ready")
            : Results.Text(
                node.State == MeshNodeState.Running && node.TlsFailure is { } tls ? $"not ready: {tls}" : node.State.ToString().ToLowerInvariant(),
                statusCode: StatusCodes.Status503ServiceUnavailable));
    }
}
