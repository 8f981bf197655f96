using Microsoft.Extensions.Hosting;

namespace Mesh.Hosting;

/// <summary>
/// Starts the node with the host, begins draining the moment the host signals it is stopping (SIGTERM:
/// readiness false and a go-away to every caller, before other hosted services stop), and finishes the drain
/// when the host stops this service.
/// </summary>
internal sealed class MeshHostedService(MeshNode node, IHostApplicationLifetime lifetime) : IHostedService, IDisposable
{
    private CancellationTokenRegistration _stopping;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await node.StartAsync(cancellationToken).ConfigureAwait(false);
        _stopping = lifetime.ApplicationStopping.Register(static state => ((MeshNode)state!).BeginDrain(), node);
    }

    public Task StopAsync(CancellationToken cancellationToken) => node.StopAsync(cancellationToken);

    public void Dispose() => _stopping.Dispose();
}
