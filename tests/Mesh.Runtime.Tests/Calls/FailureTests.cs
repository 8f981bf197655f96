using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Calls;

public sealed class FailureTests
{
    [Fact]
    public async Task Fail_HandlerThrows_CallerGetsTypeAndCorrelationIdNotTheMessage()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        var service = cluster.ClientService<ITestService>();

        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => service.Fail("Password=hunter2").WaitAsync(TestCluster.Bound));

        Assert.Equal(typeof(InvalidOperationException).FullName, ex.RemoteExceptionType);
        Assert.Equal("", ex.RemoteMessage);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{16}$", ex.CorrelationId);
        Assert.Contains(ex.CorrelationId!, ex.Message, StringComparison.Ordinal);
        Assert.Equal("node-1", ex.NodeId);
    }

    [Fact]
    public async Task Fail_NodeSendsExceptionMessages_CallerGetsTheMessageToo()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.SendExceptionMessages = true));
        var service = cluster.ClientService<ITestService>();

        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => service.Fail("boom").WaitAsync(TestCluster.Bound));

        Assert.Equal("boom", ex.RemoteMessage);
        Assert.NotNull(ex.CorrelationId);
    }

    [Fact]
    public async Task New_MethodTheNodeDoesNotHave_UnknownMethodException()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.AddService<IVersionedServiceV1, VersionedServiceV1>());
        var service = cluster.ClientService<IVersionedServiceV2>();

        Assert.Equal(1, await service.Old().WaitAsync(TestCluster.Bound));
        var ex = await Assert.ThrowsAsync<UnknownMethodException>(() => service.New().WaitAsync(TestCluster.Bound));
        Assert.Equal("tests.versioned", ex.ServiceName);

        // Both sides' view: the caller's contract of the method and what the node's version offers.
        Assert.Contains("The caller's version calls New();", ex.Message, StringComparison.Ordinal);
        Assert.Contains("This node's version of the service offers: Old().", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_ServiceNobodyHosts_UnknownServiceException()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        var service = cluster.ClientService<INobodyHostsThis>();

        await Assert.ThrowsAsync<UnknownServiceException>(() => service.Ping().WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task Block_CallerCancels_OperationCanceledAndHandlerObservesIt()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        var service = cluster.ClientService<ITestService>();
        var probe = cluster.Servers[0].Probe;
        using var cts = new CancellationTokenSource();

        var call = service.Block("cancel", cts.Token);
        await probe.StartedFor("cancel").Task.WaitAsync(TestCluster.Bound);
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TestCluster.Bound));
        Assert.Equal(cts.Token, ex.CancellationToken);
        await probe.CancelledFor("cancel").Task.WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Block_PastItsDeadline_DeadlineExceededAndHandlerObservesIt()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureClient: options => options.DefaultDeadline = TimeSpan.FromMilliseconds(300));
        var service = cluster.ClientService<ITestService>();
        var probe = cluster.Servers[0].Probe;

        var ex = await Assert.ThrowsAsync<DeadlineExceededException>(() => service.Block("deadline", CancellationToken.None).WaitAsync(TestCluster.Bound));

        Assert.Equal(TimeSpan.FromMilliseconds(300), ex.Deadline);
        await probe.StartedFor("deadline").Task.WaitAsync(TestCluster.Bound);
        await probe.CancelledFor("deadline").Task.WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Echo_AlreadyCancelledToken_ThrowsWithoutSending()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        var service = cluster.ClientService<ITestService>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.Echo(1, new CancellationToken(canceled: true)).WaitAsync(TestCluster.Bound));

        Assert.Equal(0, cluster.Servers[0].Probe.Served);
    }
}
