using System.Net;
using Mesh.Invocation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>Server nodes on 127.0.0.1 hosting <see cref="ITestService"/>, and a client node linked to all.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private TestCluster(IReadOnlyList<TestNode> servers, IHost client)
    {
        Servers = servers;
        Client = client;
    }

    public IReadOnlyList<TestNode> Servers { get; }

    public IHost Client { get; }

    public T ClientService<T>()
        where T : notnull
        => Client.Services.GetRequiredService<T>();

    public static string ServiceName => MeshServiceRegistry.Get<ITestService>().Name;

    public static async Task<TestCluster> StartAsync(int servers, Action<MeshOptions>? configureClient = null, Action<IMeshBuilder>? configureServer = null)
    {
        var nodes = new List<TestNode>();
        for (var i = 0; i < servers; i++)
        {
            nodes.Add(await TestNode.StartAsync($"node-{i + 1}", configureServer));
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTestMesh(options =>
            {
                options.NodeId = "client";
                options.ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500);
                configureClient?.Invoke(options);
            })
            .UseStaticPeers(nodes.Select(n => n.EndPoint.ToString()))
            .AddClient<ITestService>()
            .AddClient<IVersionedServiceV2>()
            .AddClient<INobodyHostsThis>();
        var client = builder.Build();
        await client.StartAsync().WaitAsync(Bound);
        await client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(ServiceName, servers, CancellationToken.None).WaitAsync(Bound);
        return new TestCluster(nodes, client);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.StopAsync().WaitAsync(Bound);
        Client.Dispose();
        foreach (var node in Servers)
        {
            await node.DisposeAsync();
        }
    }
}

/// <summary>One server node hosting <see cref="ITestService"/>.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private bool _stopped;

    private TestNode(string nodeId, IHost host)
    {
        NodeId = nodeId;
        Host = host;
        Probe = host.Services.GetRequiredService<NodeProbe>();
        EndPoint = host.Services.GetRequiredService<IMeshNode>().ListenEndPoint!;
    }

    public string NodeId { get; }

    public IHost Host { get; }

    public NodeProbe Probe { get; }

    public IPEndPoint EndPoint { get; }

    public static async Task<TestNode> StartAsync(string nodeId, Action<IMeshBuilder>? configure = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<NodeProbe>();
        var mesh = builder.Services.AddTestMesh(options =>
            {
                options.NodeId = nodeId;
                options.ListenEndpoint = "127.0.0.1:0";
                options.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
            })
            .AddService<ITestService, TestService>();
        configure?.Invoke(mesh);
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TestCluster.Bound);
        return new TestNode(nodeId, host);
    }

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await Host.StopAsync().WaitAsync(TestCluster.Bound);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Host.Dispose();
    }
}
