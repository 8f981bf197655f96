using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.LoadDriver.Grpc;
using Mesh.LoadDriver.Peers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.LoadDriver.Streams;

/// <summary>One system under test for the stream scenario: a server of item streams and a client over one connection.</summary>
internal interface IStreamPeer
{
    string Name { get; }

    Task<IAsyncDisposable> StartServerAsync(Action<string> ready);

    Task<IStreamClient> ConnectAsync(string address);
}

/// <summary>A connected client: reads one stream of items of <c>size</c> bytes, calling <c>onItem</c> per item, until cancelled.</summary>
internal interface IStreamClient : IAsyncDisposable
{
    Task ReadAsync(int size, Action onItem, CancellationToken cancellationToken);
}

internal static class StreamPeers
{
    public static readonly IStreamPeer[] All = [new MeshStreamPeer(), new GrpcStreamPeer()];

    public static IStreamPeer Find(string name)
        => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"unknown stream peer '{name}'; use one of {string.Join(", ", All.Select(p => p.Name))}");
}

/// <summary>Mesh: a node hosting <see cref="IStreamSource"/>, and a client node with one link to it.</summary>
internal sealed class MeshStreamPeer : IStreamPeer
{
    public string Name => "mesh";

    public async Task<IAsyncDisposable> StartServerAsync(Action<string> ready)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddMesh(o =>
            {
                o.NodeId = "stream-server";
                o.AllowPlaintext = true;
                o.ListenEndpoint = "127.0.0.1:0";
                o.MaxDeadline = TimeSpan.FromHours(1);
            })
            .AddService<IStreamSource, StreamSource>();
        var host = builder.Build();
        await host.StartAsync();
        ready(host.Services.GetRequiredService<IMeshNode>().ListenEndPoint!.ToString());
        return new HostHandle(host);
    }

    public async Task<IStreamClient> ConnectAsync(string address)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        // The call deadline bounds a whole stream: long enough for the warm-up and the measured window.
        builder.Services.AddMesh(o =>
            {
                o.NodeId = "stream-client";
                o.AllowPlaintext = true;
                o.DefaultDeadline = TimeSpan.FromHours(1);
            })
            .UseStaticPeers(address)
            .AddClient<IStreamSource>();
        var host = builder.Build();
        await host.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync<IStreamSource>(1, timeout.Token);
        return new Client(host, host.Services.GetRequiredService<IStreamSource>());
    }

    private sealed class Client(IHost host, IStreamSource source) : IStreamClient
    {
        public async Task ReadAsync(int size, Action onItem, CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var item in source.Items(size, cancellationToken))
                {
                    onItem();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}

/// <summary>
/// gRPC as its performance guidance recommends for this: Grpc.AspNetCore on Kestrel over h2c, one reused
/// Grpc.Net.Client channel on one HTTP/2 connection, a server-streaming call read with <c>MoveNext</c>, no server
/// header (as the unary gRPC peer and grpc-dotnet's benchmark server), server GC (the driver's project sets it).
/// </summary>
internal sealed class GrpcStreamPeer : IStreamPeer
{
    public string Name => "grpc";

    public async Task<IAsyncDisposable> StartServerAsync(Action<string> ready)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<StreamerService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ready(address);
        return app;
    }

    public Task<IStreamClient> ConnectAsync(string address)
    {
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false },
        });
        return Task.FromResult<IStreamClient>(new Client(channel, new Streamer.StreamerClient(channel)));
    }

    private sealed class Client(GrpcChannel channel, Streamer.StreamerClient client) : IStreamClient
    {
        public async Task ReadAsync(int size, Action onItem, CancellationToken cancellationToken)
        {
            using var call = client.Items(new ItemsRequest { Size = size }, cancellationToken: cancellationToken);
            try
            {
                while (await call.ResponseStream.MoveNext(cancellationToken))
                {
                    onItem();
                }
            }
            catch (Exception ex) when ((ex is RpcException or OperationCanceledException or IOException) && cancellationToken.IsCancellationRequested)
            {
                // Stopped by the driver after the measured window: the call ends as cancelled or aborted.
            }
        }

        public ValueTask DisposeAsync()
        {
            channel.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
