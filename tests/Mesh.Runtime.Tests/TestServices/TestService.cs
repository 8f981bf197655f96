namespace Mesh.Runtime.Tests.TestServices;

internal sealed class TestService(IMeshNode node, NodeProbe probe) : ITestService
{
    public Task<EchoReply> Echo(int value, CancellationToken cancellationToken = default)
    {
        probe.CountServed();
        return Task.FromResult(new EchoReply(node.NodeId, value));
    }

    public ValueTask<int> Add(int a, int b)
    {
        probe.CountServed();
        return ValueTask.FromResult(a + b);
    }

    public Task Fail(string message) => throw new InvalidOperationException(message);

    public ValueTask<string> Text(int length) => ValueTask.FromResult(new string('x', length));

    public Task Hold(string key)
    {
        probe.StartedFor(key).TrySetResult();
        if (!probe.GateFor(key).Wait(TestCluster.Bound))
        {
            throw new TimeoutException($"gate {key} was not opened");
        }

        return Task.CompletedTask;
    }

    public async Task Block(string key, CancellationToken cancellationToken)
    {
        probe.StartedFor(key).TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            probe.CancelledFor(key).TrySetResult();
            throw;
        }
    }
}
