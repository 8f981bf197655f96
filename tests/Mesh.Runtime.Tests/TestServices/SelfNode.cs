using Mesh.Dispatch;
using Mesh.Hosting;
using Mesh.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>A node that hosts <see cref="ITestService"/>, calls it, and is listed among its own peers.</summary>
internal sealed class SelfNode : IAsyncDisposable
{
    private readonly IHost _host;

    private SelfNode(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public ITestService Service => _host.Services.GetRequiredService<ITestService>();

    public NodeProbe Probe => _host.Services.GetRequiredService<NodeProbe>();

    public LocalCalls? Local => ((MeshNode)_host.Services.GetRequiredService<IMeshNode>()).Local;

    public static async Task<SelfNode> StartAsync(string nodeId, Action<MeshOptions> configure, int maxConcurrentCalls = 4096, TestNode[]? others = null)
    {
        var discovery = new TestDiscovery();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<NodeProbe>();
        builder.Services.AddSingleton<IPeerDiscovery>(discovery);
        builder.Services.AddTestMesh(o =>
            {
                o.NodeId = nodeId;
                o.ListenEndpoint = "127.0.0.1:0";
                o.MaxConcurrentCalls = maxConcurrentCalls;
                o.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
                configure(o);
            })
            .AddService<ITestService, TestService>()
            .AddClient<ITestService>();
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TestCluster.Bound);

        // The listen port is known only now: discovery lists the node itself, then the others.
        var self = host.Services.GetRequiredService<IMeshNode>();
        others ??= [];
        discovery.Publish([new("127.0.0.1", self.ListenEndPoint!.Port), .. others.Select(o => new DiscoveredPeer("127.0.0.1", o.EndPoint.Port))]);
        await self.WaitForPeersAsync(TestCluster.ServiceName, 1 + others.Length, CancellationToken.None).WaitAsync(TestCluster.Bound);
        return new SelfNode(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().WaitAsync(TestCluster.Bound);
        _host.Dispose();
    }
}
