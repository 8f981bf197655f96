using System.Collections.Concurrent;
using System.Diagnostics;
using Mesh.Balancing;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Diagnostics;

/// <summary>
/// Spans of the activity source <c>Mesh</c>: each call's client span, the server span that continues its trace on
/// the serving node (over a link, or short-circuited in-process), and retries as events of the client span.
/// </summary>
public sealed class TracingTests
{
    [Fact]
    public async Task Echo_OverALink_ServerSpanContinuesTheClientSpansTrace()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        using var spans = new SpanRecorder();
        using var parent = new Activity("test").Start();

        await cluster.ClientService<ITestService>().Echo(7).WaitAsync(TestCluster.Bound);

        var client = spans.Single(ActivityKind.Client, parent.TraceId);
        var server = spans.Single(ActivityKind.Server, parent.TraceId);
        Assert.Equal(parent.SpanId, client.ParentSpanId);
        Assert.Equal(client.SpanId, server.ParentSpanId);
        Assert.Equal(TestCluster.ServiceName + "/Echo", server.DisplayName);
        Assert.Equal("mesh", server.GetTagItem("rpc.system"));
        Assert.Equal("node-1", client.GetTagItem("server.address"));
    }

    [Fact]
    public async Task Echo_ShortCircuitedToItself_ServerSpanContinuesTheClientSpansTrace()
    {
        await using var node = await SelfNode.StartAsync("self", o => o.LocalCalls = LocalCallMode.ShortCircuit);
        using var spans = new SpanRecorder();
        using var parent = new Activity("test").Start();

        await node.Service.Echo(7).WaitAsync(TestCluster.Bound);

        var client = spans.Single(ActivityKind.Client, parent.TraceId);
        var server = spans.Single(ActivityKind.Server, parent.TraceId);
        Assert.Equal(client.SpanId, server.ParentSpanId);
    }

    [Fact]
    public async Task Echo_RefusedThenRetried_RetryIsAnEventOfTheClientSpan()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 2,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxConcurrentCalls = 1),
            configureClient: o => o.LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin);
        var service = cluster.ClientService<ITestService>();
        using var stop = new CancellationTokenSource();
        var blocked = service.Block("hold", stop.Token);
        await Task.WhenAny(cluster.Servers.Select(s => s.Probe.StartedFor("hold").Task)).Unwrap().WaitAsync(TestCluster.Bound);
        using var spans = new SpanRecorder();
        using var parent = new Activity("test").Start();

        // Round-robin offers one of any two consecutive calls to the busy node first.
        for (var i = 0; i < 4; i++)
        {
            await service.Echo(i).WaitAsync(TestCluster.Bound);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TestCluster.Bound));
        var retried = spans.All(ActivityKind.Client, parent.TraceId).Where(s => s.Events.Any(e => e.Name == "mesh.retry")).ToList();
        Assert.NotEmpty(retried);
        Assert.All(retried, s => Assert.Equal("refused", s.Events.First(e => e.Name == "mesh.retry").Tags.First(t => t.Key == "mesh.retry.reason").Value));
    }

    /// <summary>Collects the spans of source <c>Mesh</c> that end while it is alive.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _spans = new();
        private readonly ActivityListener _listener;

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Mesh",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _spans.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IEnumerable<Activity> All(ActivityKind kind, ActivityTraceId trace)
            => _spans.Where(s => s.Kind == kind && s.TraceId == trace);

        /// <summary>
        /// The one span of <paramref name="kind"/> in <paramref name="trace"/>. Both have ended when the call returns:
        /// the server span before the answer is sent, the client span before the caller resumes.
        /// </summary>
        public Activity Single(ActivityKind kind, ActivityTraceId trace) => Assert.Single(All(kind, trace));

        public void Dispose() => _listener.Dispose();
    }
}
