using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Hosting;

public sealed class DualStackListenerTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task ListenOnIPv6Any_LinkFromEitherFamily_CallsServed(string host)
    {
        await using var server = await TestNode.StartAsync("dual", mesh => mesh.Services.Configure<MeshOptions>(o => o.ListenEndpoint = "[::]:0"));
        var port = server.Host.Services.GetRequiredService<IMeshNode>().ListenEndPoint!.Port;

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTestMesh(options => options.NodeId = "caller")
            .UseStaticPeers($"{host}:{port}")
            .AddClient<ITestService>();
        using var client = builder.Build();
        await client.StartAsync().WaitAsync(TestCluster.Bound);
        try
        {
            await client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync<ITestService>(1).WaitAsync(TestCluster.Bound);
            Assert.Equal("dual", (await client.Services.GetRequiredService<ITestService>().Echo(7)).NodeId);
        }
        finally
        {
            await client.StopAsync().WaitAsync(TestCluster.Bound);
        }
    }
}
