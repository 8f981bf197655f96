using Mesh.Hosting;
using Mesh.Membership;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Calls;

/// <summary>
/// <see cref="MeshOptions.LocalCalls"/>: a node that discovery lists among its own peers calls itself over a
/// loopback link (<see cref="LocalCallMode.Network"/>) or in-process (<see cref="LocalCallMode.ShortCircuit"/>),
/// with the same results, errors, deadlines, cancellation and limits either way.
/// </summary>
public sealed class LocalCallTests
{
    [Theory]
    [InlineData(LocalCallMode.Network)]
    [InlineData(LocalCallMode.ShortCircuit)]
    public async Task Calls_NodeCallsItself_SameOutcomesInEitherMode(LocalCallMode mode)
    {
        await using var node = await SelfNode.StartAsync("self", o => o.LocalCalls = mode);
        var service = node.Service;

        var replies = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => service.Echo(i))).WaitAsync(TestCluster.Bound);
        Assert.Equal(Enumerable.Range(0, 100), replies.Select(r => r.Value));
        Assert.All(replies, r => Assert.Equal("self", r.NodeId));
        Assert.Equal(5, await service.Add(2, 3).AsTask().WaitAsync(TestCluster.Bound));
        var failure = await Assert.ThrowsAsync<RemoteInvocationException>(() => service.Fail("boom").WaitAsync(TestCluster.Bound));
        Assert.NotNull(failure.CorrelationId);
        Assert.Equal(typeof(InvalidOperationException).FullName, failure.RemoteExceptionType);

        // Short-circuited calls are the ones the node ran in-process; in network mode there are none.
        Assert.Equal(mode == LocalCallMode.ShortCircuit ? 102 : 0, node.Local?.Executed ?? 0);
        Assert.Equal(101, node.Probe.Served);
    }

    [Fact]
    public async Task Block_ShortCircuit_CallerCancelsOrDeadlinePasses_HandlerTokenFires()
    {
        await using var node = await SelfNode.StartAsync("self", o =>
        {
            o.LocalCalls = LocalCallMode.ShortCircuit;
            o.DefaultDeadline = TimeSpan.FromMilliseconds(300);
        });
        var service = node.Service;

        using var cancel = new CancellationTokenSource();
        var cancelled = service.Block("cancelled", cancel.Token);
        await node.Probe.StartedFor("cancelled").Task.WaitAsync(TestCluster.Bound);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TestCluster.Bound));
        await node.Probe.CancelledFor("cancelled").Task.WaitAsync(TestCluster.Bound);

        await Assert.ThrowsAsync<DeadlineExceededException>(() => service.Block("deadline", CancellationToken.None).WaitAsync(TestCluster.Bound));
        await node.Probe.CancelledFor("deadline").Task.WaitAsync(TestCluster.Bound);
        Assert.Equal(2, node.Local!.Executed);
    }

    [Fact]
    public async Task Echo_ShortCircuit_NodeAtItsConcurrencyCap_RefusesItsOwnCallAsOverloaded()
    {
        await using var node = await SelfNode.StartAsync("self", o => o.LocalCalls = LocalCallMode.ShortCircuit, maxConcurrentCalls: 1);
        var service = node.Service;
        using var cancel = new CancellationTokenSource();
        var blocked = service.Block("cap", cancel.Token);
        await node.Probe.StartedFor("cap").Task.WaitAsync(TestCluster.Bound);

        // The only peer is the node itself, which runs one call at a time: refused, not queued, and no one else to try.
        var refused = await Assert.ThrowsAsync<CallRefusedException>(() => service.Echo(1).WaitAsync(TestCluster.Bound));
        Assert.Contains("refused", refused.Message, StringComparison.Ordinal);

        Assert.Equal(0, node.Probe.Served);
        Assert.Equal(1, node.Local!.Executed);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TestCluster.Bound));
        await node.Probe.CancelledFor("cap").Task.WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Echo_ShortCircuitWithAnotherNode_BalancedOverBothAndTheLocalShareRunsInProcess()
    {
        await using var other = await TestNode.StartAsync("other");
        await using var node = await SelfNode.StartAsync(
            "self",
            o =>
            {
                o.LocalCalls = LocalCallMode.ShortCircuit;
                o.LoadBalancingPolicy = Mesh.Balancing.LoadBalancingPolicies.RoundRobin;
            },
            others: [other]);

        var replies = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => node.Service.Echo(i))).WaitAsync(TestCluster.Bound);

        var servedHere = replies.Count(r => r.NodeId == "self");
        Assert.Equal(100, servedHere);
        Assert.Equal(100, replies.Count(r => r.NodeId == "other"));
        Assert.Equal(servedHere, node.Local!.Executed);
        Assert.Equal(servedHere, node.Probe.Served);
    }
}
