using System.Net;
using Grpc.Net.Client;
using Mesh.LoadDriver.Contracts;
using Mesh.LoadDriver.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.LoadDriver.Peers;

/// <summary>gRPC: Grpc.AspNetCore over h2c on Kestrel, and one Grpc.Net.Client channel on one HTTP/2 connection.</summary>
internal sealed class GrpcPeer : IPeer
{
    public string Name => "grpc";

    public async Task<IAsyncDisposable> StartServerAsync(Action<string> ready)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Let one connection carry every caller of the largest concurrency, as Mesh's link does.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<PingerService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ready(address);
        return app;
    }

    public async Task<IPingClient> ConnectAsync(string address)
    {
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false },
        });
        var client = new Pinger.PingerClient(channel);
        await client.PingAsync(new PingRequest { Value = 0 });
        return new Client(channel, client);
    }

    private sealed class Client(GrpcChannel channel, Pinger.PingerClient client) : IPingClient
    {
        public async ValueTask<int> PingAsync(int worker, int value)
            => (await client.PingAsync(new PingRequest { Value = value })).Value;

        public ValueTask DisposeAsync()
        {
            channel.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
