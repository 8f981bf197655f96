using Microsoft.Extensions.Hosting;

namespace Mesh.Hosting;

/// <summary>Starts the node with the host, and drains it when the host stops (e.g. on SIGTERM).</summary>
internal sealed class MeshHostedService(MeshNode node) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => node.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => node.StopAsync(cancellationToken);
}
