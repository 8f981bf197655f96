using Mesh.Invocation;
using Mesh.LoadDriver.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.LoadDriver.Peers;

/// <summary>Mesh: a node hosting <see cref="IPingService"/>, and a client node with one link to it.</summary>
internal sealed class MeshPeer : IPeer
{
    public string Name => "mesh";

    public async Task<IAsyncDisposable> StartServerAsync(Action<string> ready)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddMesh(o =>
            {
                o.NodeId = "load-server";
                o.ListenEndpoint = "127.0.0.1:0";
            })
            .AddService<IPingService, PingService>();
        var host = builder.Build();
        await host.StartAsync();
        ready(host.Services.GetRequiredService<IMeshNode>().ListenEndPoint!.ToString());
        return new HostHandle(host);
    }

    public async Task<IPingClient> ConnectAsync(string address)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddMesh(o => o.NodeId = "load-client")
            .UseStaticPeers(address)
            .AddClient<IPingService>();
        var host = builder.Build();
        await host.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.Services.GetRequiredService<IMeshNode>()
            .WaitForPeersAsync(MeshServiceRegistry.Get<IPingService>().Name, 1, timeout.Token);
        return new Client(host, host.Services.GetRequiredService<IPingService>());
    }

    private sealed class Client(IHost host, IPingService ping) : IPingClient
    {
        public ValueTask<int> PingAsync(int worker, int value) => ping.Ping(value);

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}

/// <summary>Stops and disposes a generic host.</summary>
internal sealed class HostHandle(IHost host) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await host.StopAsync(timeout.Token);
        host.Dispose();
    }
}
