namespace Shop;

/// <summary>Settings of the shop sample (configuration section <c>Shop</c>; environment <c>Shop__Role</c>).</summary>
internal sealed class ShopOptions
{
    /// <summary><c>backend</c> hosts <see cref="IInventory"/>; <c>frontend</c> serves the HTTP API and calls it.</summary>
    public string Role { get; set; } = "backend";

    /// <summary>The headless Service of the back-end Pods; set to discover them through EndpointSlices.</summary>
    public string? DiscoveryService { get; set; }

    /// <summary>The namespace of <see cref="DiscoveryService"/>; default the Pod's own.</summary>
    public string? DiscoveryNamespace { get; set; }

    /// <summary>A kubeconfig to use outside a cluster (default <c>$KUBECONFIG</c>).</summary>
    public string? KubeConfig { get; set; }

    /// <summary>Static peers (<c>host:port</c>, comma-separated) when <see cref="DiscoveryService"/> is not set.</summary>
    public string? Peers { get; set; }

    /// <summary><c>console</c> writes the node's spans to standard output; unset for none (OTLP follows the <c>OTEL_*</c> variables).</summary>
    public string? Telemetry { get; set; }

    /// <summary>How long the preStop hook (<c>/healthz/prestop</c>) waits before answering. Default 5 s.</summary>
    public TimeSpan PreStopDelay { get; set; } = TimeSpan.FromSeconds(5);

    public bool IsBackend => string.Equals(Role, "backend", StringComparison.OrdinalIgnoreCase);

    public void Validate()
    {
        if (!IsBackend && !string.Equals(Role, "frontend", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Shop:Role '{Role}' is unknown; use 'backend' or 'frontend'.");
        }

        if (Telemetry is not null and not "console")
        {
            throw new InvalidOperationException($"Shop:Telemetry '{Telemetry}' is unknown; use 'console' or leave it unset.");
        }

        if (PreStopDelay < TimeSpan.Zero || PreStopDelay > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException($"Shop:PreStopDelay must be between 0 and 1 minute; it is {PreStopDelay}.");
        }

        if (DiscoveryService is null && string.IsNullOrWhiteSpace(Peers) && !IsBackend)
        {
            throw new InvalidOperationException("A frontend needs Shop:DiscoveryService (in Kubernetes) or Shop:Peers (locally) to find the back-end.");
        }
    }
}
