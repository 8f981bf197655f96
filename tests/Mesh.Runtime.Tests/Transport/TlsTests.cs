using System.Diagnostics.Metrics;
using Mesh.Calls;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>Mutual TLS on links (<see cref="MeshOptions.Tls"/>): who may link, what identity a peer has, rotation.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Calls_BothNodesPresentCertificatesOfTheMesh_LinkedWithThePeersIdentity()
    {
        using var certificates = new TestCertificates();
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureClient: o => certificates.Use(o, "client"),
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => certificates.Use(o, "node-1")));

        Assert.Equal(5, await cluster.ClientService<ITestService>().Add(2, 3).AsTask().WaitAsync(TestCluster.Bound));
        var link = Assert.Single(cluster.ClientService<PeerDirectory>().Links);
        Assert.Equal("spiffe://cluster.local/ns/test/sa/node-1", link.PeerIdentity);
    }

    [Fact]
    public async Task Link_PlaintextCallerToTlsNode_NeverLinks()
    {
        using var certificates = new TestCertificates();
        await using var server = await TestNode.StartAsync("node-1", mesh => mesh.Services.Configure<MeshOptions>(o => certificates.Use(o, "node-1")));
        using var client = await TestClient.StartAsync(server, configure: null);

        await AssertNeverLinksAsync(client);
    }

    [Fact]
    public async Task Link_CallerWithCertificateOfAnotherAuthority_NeverLinks()
    {
        using var certificates = new TestCertificates();
        using var strangers = new TestCertificates("stranger-ca");
        await using var server = await TestNode.StartAsync("node-1", mesh => mesh.Services.Configure<MeshOptions>(o => certificates.Use(o, "node-1")));
        using var client = await TestClient.StartAsync(server, o => strangers.Use(o, "intruder"));

        await AssertNeverLinksAsync(client);
    }

    [Fact]
    public async Task Calls_ServerCertificateRotatedWhileCallsFlow_EveryCallSucceedsAndNewLinksUseTheNewOne()
    {
        using var certificates = new TestCertificates();
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureClient: o => certificates.Use(o, "client"),
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => certificates.Use(o, "node-1")));
        var service = cluster.ClientService<ITestService>();
        using var stop = new CancellationTokenSource();
        var answered = 0;
        var calls = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await service.Add(1, 1).AsTask().WaitAsync(TestCluster.Bound);
                Interlocked.Increment(ref answered);
            }
        });

        // cert-manager renews: new key, new certificate, same authority, written over the mounted files.
        certificates.Issue("node-1", "spiffe://cluster.local/ns/test/sa/node-1-renewed");
        using var second = await TestClient.StartAsync(cluster.Servers[0], o => certificates.Use(o, "second"));
        await second.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(TestCluster.ServiceName, 1, CancellationToken.None).WaitAsync(TestCluster.Bound);
        await stop.CancelAsync();
        await calls.WaitAsync(TestCluster.Bound);

        Assert.True(answered > 0);
        Assert.Equal("spiffe://cluster.local/ns/test/sa/node-1-renewed", Assert.Single(second.Services.GetRequiredService<PeerDirectory>().Links).PeerIdentity);
        Assert.Equal(4, await second.Services.GetRequiredService<ITestService>().Add(2, 2).AsTask().WaitAsync(TestCluster.Bound));
        await second.StopAsync().WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Link_CertificateFilesCaughtMidRotation_NewLinksUseTheLastGoodOnes()
    {
        using var certificates = new TestCertificates();
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureClient: o => certificates.Use(o, "client"),
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => certificates.Use(o, "node-1")));

        // A new certificate written before its key: the pair does not match.
        var (certificate, _) = certificates.Issue("other");
        File.Copy(certificate, Path.Combine(certificates.Folder, "node-1.crt"), overwrite: true);
        using var second = await TestClient.StartAsync(cluster.Servers[0], o => certificates.Use(o, "second"));

        await second.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(TestCluster.ServiceName, 1, CancellationToken.None).WaitAsync(TestCluster.Bound);
        Assert.Equal("spiffe://cluster.local/ns/test/sa/node-1", Assert.Single(second.Services.GetRequiredService<PeerDirectory>().Links).PeerIdentity);
        await second.StopAsync().WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Calls_ServiceAllowsOnlyAnotherIdentity_CallerRefusedWithPermissionDenied()
    {
        using var certificates = new TestCertificates();
        await using var server = await TestNode.StartAsync("node-1", mesh => mesh.Services.Configure<MeshOptions>(o =>
        {
            certificates.Use(o, "node-1");
            o.Tls.AllowedCallers[TestCluster.ServiceName] = new HashSet<string> { "spiffe://cluster.local/ns/test/sa/frontend" };
        }));
        using var frontend = await TestClient.StartAsync(server, o => certificates.Use(o, "frontend"));
        using var other = await TestClient.StartAsync(server, o => certificates.Use(o, "batch-job"));
        foreach (var client in new[] { frontend, other })
        {
            await client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(TestCluster.ServiceName, 1, CancellationToken.None).WaitAsync(TestCluster.Bound);
        }

        Assert.Equal(3, await frontend.Services.GetRequiredService<ITestService>().Add(1, 2).AsTask().WaitAsync(TestCluster.Bound));
        var ex = await Assert.ThrowsAsync<PermissionDeniedException>(() => other.Services.GetRequiredService<ITestService>().Add(1, 2).AsTask().WaitAsync(TestCluster.Bound));
        Assert.Contains(TestCluster.ServiceName, ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Probe.Served);
        await frontend.StopAsync().WaitAsync(TestCluster.Bound);
        await other.StopAsync().WaitAsync(TestCluster.Bound);
    }

    /// <summary>Waits for the client's first failed link attempt, then checks no peer is linked and calls say why.</summary>
    private static async Task AssertNeverLinksAsync(IHost client)
    {
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        var factory = client.Services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "mesh.link.failures" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => failed.TrySetResult());
        listener.Start();

        await failed.Task.WaitAsync(TestCluster.Bound);

        Assert.Empty(client.Services.GetRequiredService<IMeshNode>().Peers);
        var ex = await Assert.ThrowsAsync<PeerUnavailableException>(() => client.Services.GetRequiredService<ITestService>().Add(1, 2).AsTask().WaitAsync(TestCluster.Bound));
        Assert.Contains("the last attempt to link", ex.Message, StringComparison.Ordinal);
        await client.StopAsync().WaitAsync(TestCluster.Bound);
    }
}
