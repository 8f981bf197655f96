using Mesh.Runtime.Tests.TestServices;

namespace Mesh.Runtime.Tests.Calls;

public sealed class NodeStopTests
{
    [Fact]
    public async Task Echo_NodeStoppedWhileCallsRun_LaterCallsGoToTheOthersAndNoneHangs()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 3);
        var service = cluster.ClientService<ITestService>();
        var stopped = cluster.Servers[1];
        var failures = 0;
        var completed = 0;
        using var stopLoad = new CancellationTokenSource();

        async Task Worker()
        {
            var i = 0;
            while (!stopLoad.IsCancellationRequested)
            {
                try
                {
                    var reply = await service.Echo(i);
                    Assert.Equal(i, reply.Value);
                    Interlocked.Increment(ref completed);
                }
                catch (MeshException)
                {
                    Interlocked.Increment(ref failures);
                }

                i++;
            }
        }

        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(Worker)).ToArray();
        await WaitUntil(() => Volatile.Read(ref completed) >= 2000);

        await stopped.StopAsync();
        var servedByStopped = stopped.Probe.Served;
        var completedAtStop = Volatile.Read(ref completed);
        await WaitUntil(() => Volatile.Read(ref completed) >= completedAtStop + 2000);
        await stopLoad.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(TestCluster.Bound);

        Assert.True(servedByStopped > 0);
        Assert.Equal(servedByStopped, stopped.Probe.Served);
        Assert.Equal(0, failures);
        var others = cluster.Servers.Where(s => s != stopped).ToList();
        Assert.All(others, s => Assert.True(s.Probe.Served > servedByStopped / 2));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TestCluster.Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within the test's bound");
            await Task.Yield();
            await Task.Delay(10);
        }
    }
}
