using Mesh;

namespace Quickstart;

/// <summary>The implementation each server node hosts; it counts the calls it serves.</summary>
internal sealed class Greeter(IMeshNode node, ServedCounter served) : IGreeter
{
    public Task<Greeting> Greet(string name, CancellationToken cancellationToken = default)
    {
        served.Increment();
        return Task.FromResult(new Greeting($"Hello, {name}!", node.NodeId));
    }
}

/// <summary>Calls served by one node.</summary>
internal sealed class ServedCounter
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Increment() => Interlocked.Increment(ref _count);
}
