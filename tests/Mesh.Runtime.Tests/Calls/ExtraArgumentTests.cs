using System.Buffers;
using System.Buffers.Binary;
using Mesh.Calls;
using Mesh.Dispatch;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Calls;

/// <summary>
/// Arguments beyond the parameters a server's version knows: a newer caller's appended ones are ignored and not kept
/// (within <see cref="MeshOptions.MaxUnknownArgumentBytes"/>); more than that is refused before the call runs.
/// </summary>
public sealed class ExtraArgumentTests
{
    [Fact]
    public async Task Length_NewerCallerAppendsASmallArgument_OlderServerIgnoresIt()
    {
        await using var server = await TestNode.StartAsync("node-1", mesh => mesh.AddService<IAppendedServiceV1, AppendedServiceV1>());
        using var client = await StartClientAsync(server);

        var length = await client.Services.GetRequiredService<IAppendedServiceV2>().Length("abc", new string('n', 1000)).WaitAsync(TestCluster.Bound);

        Assert.Equal(3, length);
    }

    [Fact]
    public async Task Length_ExtraArgumentOverTheBound_RefusedWithPayloadTooLargeAndTheLinkLives()
    {
        await using var server = await TestNode.StartAsync("node-1", mesh =>
        {
            mesh.AddService<IAppendedServiceV1, AppendedServiceV1>();
            mesh.Services.Configure<MeshOptions>(o => o.MaxUnknownArgumentBytes = 4096);
        });
        using var client = await StartClientAsync(server);
        var service = client.Services.GetRequiredService<IAppendedServiceV2>();
        var link = Assert.Single(client.Services.GetRequiredService<PeerDirectory>().Links);

        var ex = await Assert.ThrowsAsync<PayloadTooLargeException>(() => service.Length("abc", new string('n', 1_000_000)).WaitAsync(TestCluster.Bound));

        Assert.Contains("MaxUnknownArgumentBytes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, await service.Length("abc", "small").WaitAsync(TestCluster.Bound));
        Assert.Same(link, Assert.Single(client.Services.GetRequiredService<PeerDirectory>().Links));
        Assert.False(link.IsClosing);
    }

    [Theory]
    [InlineData("Add(System.Int32,System.Int32)", 2)]
    [InlineData("Old()", 0)]
    [InlineData("Length(System.String,[System.String])", 2)]
    [InlineData("Put(System.Collections.Generic.Dictionary<System.String,System.Int32>,System.Int32[],(System.Int32,System.String))", 3)]
    public void ParameterCount_Contract_CountsTopLevelParameters(string contract, int expected)
        => Assert.Equal(expected, ArgumentLayout.ParameterCount(contract));

    [Fact]
    public void TryMeasure_ExtraTrailingArguments_KnownPrefixOnly()
    {
        var bytes = Arguments(new byte[3], new byte[5], new byte[1000]);

        Assert.True(ArgumentLayout.TryMeasure(new ReadOnlySequence<byte>(bytes), 2, out var known));
        Assert.Equal(4 + 3 + 4 + 5, known);
        Assert.True(ArgumentLayout.TryMeasure(bytes, 2, out var knownFromSpan));
        Assert.Equal(known, knownFromSpan);
        Assert.True(ArgumentLayout.TryMeasure(bytes, 5, out var all));
        Assert.Equal(bytes.Length, all);
    }

    [Fact]
    public void TryMeasure_LengthRunningPastTheEnd_Malformed()
    {
        var bytes = Arguments(new byte[3]);
        BinaryPrimitives.WriteInt32LittleEndian(bytes, 100);

        Assert.False(ArgumentLayout.TryMeasure(new ReadOnlySequence<byte>(bytes), 1, out _));
        Assert.False(ArgumentLayout.TryMeasure(bytes, 1, out _));
    }

    private static byte[] Arguments(params byte[][] arguments)
    {
        var bytes = new List<byte>();
        foreach (var argument in arguments)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, argument.Length);
            bytes.AddRange(length);
            bytes.AddRange(argument);
        }

        return [.. bytes];
    }

    private static async Task<IHost> StartClientAsync(TestNode server)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTestMesh(o => o.NodeId = "client")
            .UseStaticPeers(server.EndPoint.ToString())
            .AddClient<IAppendedServiceV2>();
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TestCluster.Bound);
        await host.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync("tests.appended", 1, CancellationToken.None).WaitAsync(TestCluster.Bound);
        return host;
    }
}
