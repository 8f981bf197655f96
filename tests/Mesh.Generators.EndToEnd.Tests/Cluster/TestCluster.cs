using System.Net;
using Mesh.Generators.EndToEnd.Contracts;
using Mesh.Generators.EndToEnd.Tests.Services;
using Mesh.Invocation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Generators.EndToEnd.Tests.Cluster;

/// <summary>
/// Server nodes on 127.0.0.1 that host every test service, and a client node linked to all of them whose
/// clients come from one <c>AddMeshClients()</c> call.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TcpRelay? _relay;

    private TestCluster(IReadOnlyList<IHost> servers, IHost client, CallProbe probe, TcpRelay? relay)
    {
        Servers = servers;
        Client = client;
        Probe = probe;
        _relay = relay;
    }

    public IReadOnlyList<IHost> Servers { get; }

    public IHost Client { get; }

    public CallProbe Probe { get; }

    /// <summary>The relay between the client and the first server, when the cluster was started with one.</summary>
    public TcpRelay Relay => _relay ?? throw new InvalidOperationException("The cluster has no relay.");

    public T Get<T>()
        where T : notnull
        => Client.Services.GetRequiredService<T>();

    /// <summary>
    /// Starts <paramref name="servers"/> nodes (<c>node-1</c>, ...) and the client. With
    /// <paramref name="relayFirstServer"/>, the client reaches <c>node-1</c> through a <see cref="TcpRelay"/>
    /// that the test can cut.
    /// </summary>
    public static async Task<TestCluster> StartAsync(int servers, bool relayFirstServer = false)
    {
        var probe = new CallProbe();
        var store = new UserStore();
        var hosts = new List<IHost>();
        TcpRelay? relay = null;
        try
        {
            for (var i = 0; i < servers; i++)
            {
                hosts.Add(await StartServerAsync($"node-{i + 1}", probe, store));
            }

            var endPoints = hosts.Select(host => host.Services.GetRequiredService<IMeshNode>().ListenEndPoint!).ToList();
            if (relayFirstServer)
            {
                relay = TcpRelay.Start(endPoints[0]);
                endPoints[0] = relay.EndPoint;
            }

            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddMesh(options =>
                {
                    options.NodeId = "client";
                    options.AllowPlaintext = true;
                    options.ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500);
                })
                .UseStaticPeers(endPoints.Select(endPoint => endPoint.ToString()))
                .AddMeshClients();
            var client = builder.Build();
            await client.StartAsync().WaitAsync(Bound);
            var serviceName = MeshServiceRegistry.Get<IShapes>().Name;
            await client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(serviceName, servers, CancellationToken.None).WaitAsync(Bound);
            return new TestCluster(hosts, client, probe, relay);
        }
        catch
        {
            probe.Release();
            relay?.Dispose();
            foreach (var host in hosts)
            {
                await StopAsync(host);
            }

            probe.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Probe.Release();
        await StopAsync(Client);
        foreach (var server in Servers)
        {
            await StopAsync(server);
        }

        _relay?.Dispose();
        Probe.Dispose();
    }

    private static async Task<IHost> StartServerAsync(string nodeId, CallProbe probe, UserStore store)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(probe);
        builder.Services.AddSingleton(store);
        builder.Services.AddMesh(options =>
            {
                options.NodeId = nodeId;
                options.AllowPlaintext = true;
                options.ListenEndpoint = "127.0.0.1:0";
                options.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
            })
            .AddService<IShapes, Shapes>()
            .AddService<IDog, Dog>()
            .AddService<ICat, Cat>()
            .AddService<IPuppy, Puppy>()
            .AddService<IUserRepository, UserRepository>()
            .AddService<Outer.INested, Nested>()
            .AddService<IGlobalClock, GlobalClock>()
            .AddService<Billing.IOrders, Billing.Orders>()
            .AddService<Shipping.IOrders, Shipping.Orders>()
            .AddService<IInternalCounter, InternalCounter>()
            .AddService<INamedService, NamedService>()
            .AddService<IRetries, Retries>()
            .AddService<IInventory, Inventory>()
            .AddService<IAuditLog, AuditLog>();
        var host = builder.Build();
        await host.StartAsync().WaitAsync(Bound);
        return host;
    }

    private static async Task StopAsync(IHost host)
    {
        await host.StopAsync().WaitAsync(Bound);
        host.Dispose();
    }
}
