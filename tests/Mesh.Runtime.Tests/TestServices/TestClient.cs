using Mesh.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>A client-only node with the <see cref="ITestService"/> client, for tests that need more than the cluster's one.</summary>
internal static class TestClient
{
    /// <summary>Starts a client linked to <paramref name="server"/> (static peers); it does not wait for the link.</summary>
    public static Task<IHost> StartAsync(TestNode server, Action<MeshOptions>? configure = null)
        => StartAsync(configure, mesh => mesh.UseStaticPeers(server.EndPoint.ToString()));

    /// <summary>Starts a client whose peers come from <paramref name="discovery"/>.</summary>
    public static Task<IHost> StartAsync(TestDiscovery discovery, Action<MeshOptions>? configure = null)
        => StartAsync(configure, mesh => mesh.Services.AddSingleton<IPeerDiscovery>(discovery));

    private static async Task<IHost> StartAsync(Action<MeshOptions>? configure, Action<IMeshBuilder> peers)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var mesh = builder.Services.AddTestMesh(o =>
            {
                o.NodeId = "client-" + Guid.NewGuid().ToString("N")[..6];
                configure?.Invoke(o);
            })
            .AddClient<ITestService>();
        peers(mesh);
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TestCluster.Bound);
        return host;
    }
}
