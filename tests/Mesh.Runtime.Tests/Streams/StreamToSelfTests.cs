using Mesh.Membership;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Streams;

public sealed class StreamToSelfTests
{
    [Fact]
    public async Task Stream_ToItselfWithShortCircuit_RunsOverLoopbackLink()
    {
        var discovery = new TestDiscovery();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<StreamProbe>();
        builder.Services.AddSingleton<IPeerDiscovery>(discovery);
        builder.Services.AddTestMesh(o =>
            {
                o.NodeId = "self";
                o.ListenEndpoint = "127.0.0.1:0";
                o.LocalCalls = LocalCallMode.ShortCircuit;
            })
            .AddService<IStreamService, StreamService>()
            .AddClient<IStreamService>();
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(TestCluster.Bound);
        try
        {
            var node = host.Services.GetRequiredService<IMeshNode>();
            discovery.Publish([new("127.0.0.1", node.ListenEndPoint!.Port)]);
            await node.WaitForPeersAsync<IStreamService>(1).WaitAsync(TestCluster.Bound);

            var items = await host.Services.GetRequiredService<IStreamService>().Count("self", 100, 8).ToListAsync().AsTask().WaitAsync(TestCluster.Bound);

            Assert.Equal(Enumerable.Range(0, 100), items.Select(item => item.Index));
            Assert.All(items, item => Assert.Equal("self", item.NodeId));
        }
        finally
        {
            await host.StopAsync().WaitAsync(TestCluster.Bound);
        }
    }
}
