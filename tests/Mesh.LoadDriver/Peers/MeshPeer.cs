using Mesh.Invocation;
using Mesh.LoadDriver.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.LoadDriver.Peers;

/// <summary>Mesh: a node hosting <see cref="IPingService"/>, and a client node with one link to it (mutual TLS when <paramref name="tls"/>).</summary>
internal sealed class MeshPeer(bool tls) : IPeer
{
    public string Name => tls ? "mesh-tls" : "mesh";

    public string Configuration => tls
        ? "Mesh defaults, one link, mutual TLS 1.3 (ECDSA P-256 certificates from PEM files, the same as mesh otherwise)"
        : "Mesh defaults (default balancing policy, no listener on metrics or traces), one link, plaintext";

    public async Task<IAsyncDisposable> StartServerAsync(Action<string> ready)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddMesh(o =>
            {
                o.NodeId = "load-server";
                o.ListenEndpoint = "127.0.0.1:0";
                UseTls(o, "server");
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
        builder.Services.AddMesh(o =>
            {
                o.NodeId = "load-client";
                UseTls(o, "client");
            })
            .UseStaticPeers(address)
            .AddClient<IPingService>();
        var host = builder.Build();
        await host.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.Services.GetRequiredService<IMeshNode>()
            .WaitForPeersAsync(MeshServiceRegistry.Get<IPingService>().Name, 1, timeout.Token);
        return new Client(host, host.Services.GetRequiredService<IPingService>());
    }

    private void UseTls(MeshOptions options, string role)
    {
        if (tls)
        {
            options.Tls.CertificatePath = DriverCertificates.CertificatePath(role);
            options.Tls.PrivateKeyPath = DriverCertificates.KeyPath(role);
            options.Tls.CertificateAuthorityPath = DriverCertificates.Authority;
        }
        else
        {
            options.AllowPlaintext = true;
        }
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
