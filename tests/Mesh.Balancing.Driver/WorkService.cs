namespace Mesh.Balancing.Driver;

/// <summary>
/// A server with <c>capacity</c> workers: a call waits for a worker, then holds it for the per-call cost
/// (a timer wait, so five server processes on a small machine do not compete for CPU and each keeps its
/// own capacity). A slower server multiplies the cost.
/// </summary>
internal sealed class WorkService(IMeshNode node, WorkSettings settings) : IWork
{
    private readonly SemaphoreSlim _workers = new(settings.Capacity, settings.Capacity);

    public async Task<string> Work(int value, CancellationToken cancellationToken = default)
    {
        await _workers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(settings.Cost, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _workers.Release();
        }

        return node.NodeId;
    }
}

/// <summary>How much a call costs on this server.</summary>
internal sealed record WorkSettings(int Capacity, TimeSpan Cost);
