using Mesh;
using Mesh.Dashboard;
using Mesh.OpenTelemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Shop;

// The shop sample: "backend" Pods host IInventory; "frontend" Pods serve an HTTP API and call IInventory
// through the mesh, every call balanced across all ready back-end Pods. Both expose /healthz/live and
// /healthz/ready, wired to the node's drain state, for Kubernetes probes.
var builder = WebApplication.CreateSlimBuilder(args);
var shop = builder.Configuration.GetSection("Shop").Get<ShopOptions>() ?? new ShopOptions();
shop.Validate();

builder.Services.AddSingleton<ServedCalls>();
var mesh = builder.Services.AddMesh(options =>
{
    builder.Configuration.GetSection("Mesh").Bind(options);
    options.NodeId = builder.Configuration["Mesh:NodeId"] ?? Environment.GetEnvironmentVariable("POD_NAME") ?? options.NodeId;
    if (shop.IsBackend)
    {
        options.ListenEndpoint ??= $"[::]:{HealthEndpoints.MeshPort}";
    }
});
if (shop.IsBackend)
{
    mesh.AddService<IInventory, InventoryService>();
}
else
{
    mesh.AddClient<IInventory>();
}

if (shop.DiscoveryService is { } service)
{
    mesh.UseKubernetesDiscovery(options =>
    {
        options.ServiceName = service;
        options.Namespace = shop.DiscoveryNamespace;
        options.KubeConfigPath = shop.KubeConfig;
    });
}
else if (shop.Peers is { } peers)
{
    mesh.UseStaticPeers(peers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

// Telemetry: Mesh's metrics and spans through OpenTelemetry. OTLP when the standard OTEL_EXPORTER_OTLP_ENDPOINT (and
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, ...) variables are set; spans on the console with --Shop:Telemetry=console.
var telemetry = builder.Services.AddOpenTelemetry()
    .WithTracing(tracing => tracing.AddMeshInstrumentation())
    .WithMetrics(metrics => metrics.AddMeshInstrumentation());
if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
{
    telemetry.UseOtlpExporter();
}

if (shop.Telemetry == "console")
{
    telemetry.WithTracing(tracing => tracing.AddConsoleExporter());
}

// The host's shutdown timeout must cover the mesh's drain (and fit in terminationGracePeriodSeconds).
builder.Services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<MeshOptions>>(
    (host, meshOptions) => host.ShutdownTimeout = meshOptions.Value.ShutdownGracePeriod + TimeSpan.FromSeconds(5));

var app = builder.Build();
app.MapHealthEndpoints(shop.PreStopDelay);
if (!shop.IsBackend)
{
    app.MapStorefront();

    // The live view of where this front-end's calls go (every back-end's share, rate, latency, load, state).
    app.MapMeshDashboard("/mesh");
}

var node = app.Services.GetRequiredService<IMeshNode>();
var served = app.Services.GetRequiredService<ServedCalls>();
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"shop {shop.Role} {node.NodeId} ready: mesh {node.ListenEndPoint?.ToString() ?? "(client only)"}, http {string.Join(" ", app.Urls)}"));
app.Lifetime.ApplicationStopping.Register(() => Console.WriteLine($"shop {node.NodeId} draining: {served.Count} calls served so far"));
await app.RunAsync();
Console.WriteLine($"shop {node.NodeId} stopped: {served.Count} calls served");
