namespace Mesh.Runtime.Tests.TestServices;

/// <summary>A keyed service: each call says which node ran it, so tests see where each key went.</summary>
[BalancedService(Keyed = true)]
public interface IKeyedTestService
{
    Task<string> Owner([Key] string key, CancellationToken cancellationToken = default);

    ValueTask<string> OwnerOf([Key] long id);

    /// <summary>Waits until its token fires; <see cref="NodeProbe.StartedFor"/> the key tells it started.</summary>
    Task Hold([Key] string key, CancellationToken cancellationToken);
}

internal sealed class KeyedTestService(IMeshNode node, NodeProbe probe) : IKeyedTestService
{
    public async Task Hold(string key, CancellationToken cancellationToken)
    {
        probe.StartedFor(key).TrySetResult();
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public Task<string> Owner(string key, CancellationToken cancellationToken = default) => Task.FromResult(node.NodeId);

    public ValueTask<string> OwnerOf(long id) => ValueTask.FromResult(node.NodeId);
}
