using System.Net;
using Mesh.Balancing;
using Mesh.Kubernetes.Tests.FakeApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Kubernetes.Tests.TestServices;

/// <summary>
/// Server nodes on distinct loopback addresses (127.a.b.1..N) sharing one port, as Pods share a container
/// port, plus a client node that discovers them through the fake API with the real KubernetesClient.
/// </summary>
internal sealed class KubeCluster : IAsyncDisposable
{
    public const string Service = "shop";
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly List<IHost> _servers = [];
    private IHost? _client;

    private KubeCluster(FakeKubernetesApi api) => Api = api;

    public FakeKubernetesApi Api { get; }

    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public int Port { get; private set; }

    public IMeshNode Client => _client!.Services.GetRequiredService<IMeshNode>();

    public IWhoAmI WhoAmI => _client!.Services.GetRequiredService<IWhoAmI>();

    public static async Task<KubeCluster> StartAsync(int servers, Action<KubernetesDiscoveryOptions>? configure = null)
    {
        var api = await FakeKubernetesApi.StartAsync();
        // The nodes run in this process on 127.x addresses, which the real API server would refuse.
        api.AllowLoopbackEndpoints = true;
        var cluster = new KubeCluster(api);
        try
        {
            await cluster.StartServersAsync(servers);
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(Environment.GetEnvironmentVariable("MESH_TEST_LOG") is null ? LogLevel.Warning : LogLevel.Debug);
            builder.Services
                .AddMesh(mesh =>
                {
                    mesh.NodeId = "client";
                    mesh.AllowPlaintext = true;
                    // Round-robin: every linked peer then serves exactly its share, which proves the client
                    // uses the whole peer set (the default policy's shares follow load and are not exact).
                    mesh.LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin;
                })
                .UseKubernetesDiscovery(options =>
                {
                    options.ServiceName = Service;
                    options.Configuration = cluster.Api.ClientConfiguration();
                    options.MinBackoff = TimeSpan.FromMilliseconds(20);
                    options.MaxBackoff = TimeSpan.FromMilliseconds(200);
                    configure?.Invoke(options);
                })
                .AddClient<IWhoAmI>();
            cluster._client = builder.Build();
            await cluster._client.StartAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The node id of the server at <paramref name="index"/> (0-based).</summary>
    public static string NodeId(int index) => $"node-{index + 1}";

    public Ep Ready(int index) => new(Addresses[index]);

    public Ep Unready(int index) => new(Addresses[index], Ready: false, Serving: false);

    public Ep Terminating(int index) => new(Addresses[index], Ready: false, Serving: true, Terminating: true);

    /// <summary>Waits until the client is linked to exactly these nodes, with these readiness flags.</summary>
    public Task WaitForPeersAsync(params (int Index, bool Ready)[] expected)
    {
        var wanted = expected.Select(e => (NodeId(e.Index), e.Ready)).OrderBy(e => e.Item1, StringComparer.Ordinal).ToList();
        return Client.WaitForPeersAsync(
            peers => peers.Select(p => (p.NodeId, p.IsReady)).OrderBy(e => e.NodeId, StringComparer.Ordinal).SequenceEqual(wanted),
            CancellationToken.None).WaitAsync(Bound);
    }

    public Task WaitForReadyPeersAsync(params int[] indexes) => WaitForPeersAsync([.. indexes.Select(i => (i, true))]);

    /// <summary>Makes <paramref name="count"/> calls, 8 at a time; every one must succeed. Returns calls per node.</summary>
    public async Task<Dictionary<string, int>> CallAsync(int count)
    {
        var served = new Dictionary<string, int>();
        var next = -1;
        async Task<List<string>> Worker()
        {
            var seen = new List<string>();
            while (Interlocked.Increment(ref next) < count)
            {
                seen.Add(await WhoAmI.Who());
            }

            return seen;
        }

        foreach (var node in (await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Worker())).WaitAsync(Bound)).SelectMany(s => s))
        {
            served[node] = served.GetValueOrDefault(node) + 1;
        }

        return served;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        foreach (var server in _servers)
        {
            await server.StopAsync();
            server.Dispose();
        }

        await Api.DisposeAsync();
    }

    private async Task StartServersAsync(int count)
    {
        for (var attempt = 0; ; attempt++)
        {
            var prefix = $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}.";
            try
            {
                var first = await StartServerAsync(0, prefix + "1", 0);
                Port = first.ListenEndPoint!.Port;
                for (var i = 1; i < count; i++)
                {
                    await StartServerAsync(i, prefix + (i + 1), Port);
                }

                Addresses = [.. Enumerable.Range(1, count).Select(i => prefix + i)];
                return;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                // The port is taken on one of these addresses: stop what started and try another range.
                foreach (var server in _servers)
                {
                    await server.StopAsync();
                    server.Dispose();
                }

                _servers.Clear();
            }
        }
    }

    private async Task<IMeshNode> StartServerAsync(int index, string address, int port)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services
            .AddMesh(mesh =>
            {
                mesh.NodeId = NodeId(index);
                mesh.AllowPlaintext = true;
                mesh.ListenEndpoint = new IPEndPoint(IPAddress.Parse(address), port).ToString();
            })
            .AddService<IWhoAmI, WhoAmI>();
        var host = builder.Build();
        _servers.Add(host);
        await host.StartAsync();
        return host.Services.GetRequiredService<IMeshNode>();
    }
}
