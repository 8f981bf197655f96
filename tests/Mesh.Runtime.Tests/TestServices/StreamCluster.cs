using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>Server nodes on 127.0.0.1 hosting <see cref="IStreamService"/> and <see cref="ITestService"/>, and a client linked to all.</summary>
internal sealed class StreamCluster : IAsyncDisposable
{
    private StreamCluster(IReadOnlyList<TestNode> servers, IHost client)
    {
        Servers = servers;
        Client = client;
    }

    public IReadOnlyList<TestNode> Servers { get; }

    public IHost Client { get; }

    public IStreamService Streams => Client.Services.GetRequiredService<IStreamService>();

    public ITestService Unary => Client.Services.GetRequiredService<ITestService>();

    public StreamProbe Probe(int server) => Servers[server].Host.Services.GetRequiredService<StreamProbe>();

    /// <param name="servers">How many server nodes.</param>
    /// <param name="configureClient">The client's options.</param>
    /// <param name="configureServer">Each server's options (by index).</param>
    public static async Task<StreamCluster> StartAsync(int servers, Action<MeshOptions>? configureClient = null, Action<int, MeshOptions>? configureServer = null)
    {
        var nodes = new List<TestNode>();
        for (var i = 0; i < servers; i++)
        {
            var index = i;
            nodes.Add(await TestNode.StartAsync($"node-{i + 1}", mesh =>
            {
                mesh.Services.AddSingleton<StreamProbe>();
                mesh.AddService<IStreamService, StreamService>();
                if (configureServer is not null)
                {
                    mesh.Services.Configure<MeshOptions>(options => configureServer(index, options));
                }
            }));
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
            .AddClient<IStreamService>();
        var client = builder.Build();
        await client.StartAsync().WaitAsync(TestCluster.Bound);
        await client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync<IStreamService>(servers).WaitAsync(TestCluster.Bound);
        return new StreamCluster(nodes, client);
    }

    /// <summary>Waits (polling, within the test's bound) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TestCluster.Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within the test's bound");
            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.StopAsync().WaitAsync(TestCluster.Bound);
        Client.Dispose();
        foreach (var node in Servers)
        {
            await node.DisposeAsync();
        }
    }
}
