using System.Net;
using System.Net.Sockets;
using Mesh.LoadDriver.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;

namespace Mesh.LoadDriver.Peers;

/// <summary>
/// Orleans: a silo hosting <see cref="PingGrain"/> and an external client over its gateway connection. Every caller
/// calls one <c>[Reentrant]</c> grain, the fastest of the shapes measured for a stateless service (see the driver's
/// README: one grain per caller, as Orleans' own ping benchmark does, and a <c>[StatelessWorker]</c> grain were slower).
/// </summary>
internal sealed class OrleansPeer : IPeer
{
    public string Name => "orleans";

    public string Configuration => "Orleans defaults, localhost clustering, one gateway connection, one [Reentrant] grain for every caller, server GC, logging off";

    public async Task<IAsyncDisposable> StartServerAsync(Action<string> ready)
    {
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort));
        var host = builder.Build();
        await host.StartAsync();
        ready(gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new HostHandle(host);
    }

    public async Task<IPingClient> ConnectAsync(string address)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client.UseLocalhostClustering(int.Parse(address, System.Globalization.CultureInfo.InvariantCulture)));
        var host = builder.Build();
        await host.StartAsync();
        var factory = host.Services.GetRequiredService<IClusterClient>();
        await factory.GetGrain<IPingGrain>(0).Ping(0);
        return new Client(host, factory);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private sealed class Client : IPingClient
    {
        private readonly IHost _host;
        private readonly IPingGrain _grain;

        public Client(IHost host, IClusterClient client)
        {
            _host = host;
            _grain = client.GetGrain<IPingGrain>(0);
        }

        public ValueTask<int> PingAsync(int worker, int value) => _grain.Ping(value);

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}
