namespace Mesh.Generators.EndToEnd.Tests.Services;

/// <summary>An [Idempotent] method and a plain twin, to see the router treat them differently.</summary>
[BalancedService]
public interface IRetries
{
    [Idempotent]
    Task<string> Lookup(string key);

    Task<string> Reserve(string key);
}

/// <summary>On <see cref="CallProbe.HangOnNode"/>, reports the call and hangs until the link is cut.</summary>
internal sealed class Retries(IMeshNode node, CallProbe probe) : IRetries
{
    public Task<string> Lookup(string key) => Serve(key);

    public Task<string> Reserve(string key) => Serve(key);

    private async Task<string> Serve(string key)
    {
        probe.Arrived(key, node.NodeId);
        if (node.NodeId == probe.HangOnNode)
        {
            // Hangs until the test releases it, after it has cut the link the call came on.
            try
            {
                await Task.Delay(Timeout.Infinite, probe.Released);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return node.NodeId;
    }
}
