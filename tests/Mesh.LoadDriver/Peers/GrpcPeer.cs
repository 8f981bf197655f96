using System.Net;
using Grpc.Net.Client;
using Mesh.LoadDriver.Contracts;
using Mesh.LoadDriver.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using System.Net.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.LoadDriver.Peers;

/// <summary>
/// gRPC: Grpc.AspNetCore on Kestrel and one Grpc.Net.Client channel on one HTTP/2 connection; h2c, or TLS with client
/// certificates (mutual, like mesh-tls) when <paramref name="tls"/>. Configured as grpc-dotnet's own benchmark server:
/// no server header, logging off, server GC; the stream limit raised so one connection carries every caller.
/// </summary>
internal sealed class GrpcPeer(bool tls) : IPeer
{
    public string Name => tls ? "grpc-tls" : "grpc";

    public string Configuration => (tls ? "HTTP/2 over mutual TLS" : "h2c")
        + ", one channel, one connection (EnableMultipleHttp2Connections off), MaxStreamsPerConnection 1024, no server header, logging off";

    public async Task<IAsyncDisposable> StartServerAsync(Action<string> ready)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Let one connection carry every caller of the largest concurrency, as Mesh's link does.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (tls)
                {
                    listen.UseHttps(DriverCertificates.Load("server"), https =>
                    {
                        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (certificate, _, _) => DriverCertificates.IsTrusted(certificate);
                    });
                }
            });
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
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = false,
                SslOptions = tls
                    ? new SslClientAuthenticationOptions
                    {
                        ClientCertificates = [DriverCertificates.Load("client")],
                        RemoteCertificateValidationCallback = (_, certificate, _, _) => DriverCertificates.IsTrusted(certificate),
                    }
                    : new SslClientAuthenticationOptions(),
            },
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
