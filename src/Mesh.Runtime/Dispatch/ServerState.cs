using Mesh.Load;
using Mesh.Serialization;

namespace Mesh.Dispatch;

/// <summary>What every server connection of a node shares: hosted services, serializer, running calls.</summary>
internal sealed class ServerState(ServiceCatalog catalog, IPayloadSerializer serializer, string nodeId, NodeLoadMonitor load)
{
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private volatile bool _draining;

    public ServiceCatalog Catalog => catalog;

    public IPayloadSerializer Serializer => serializer;

    public string NodeId => nodeId;

    /// <summary>This node's load, reported to callers.</summary>
    public NodeLoadMonitor Load => load;

    public int Running => Volatile.Read(ref _running);

    public bool IsDraining => _draining;

    /// <summary>Completes when draining and no call is running.</summary>
    public Task Idle => _idle.Task;

    public void BeginDrain()
    {
        _draining = true;
        load.BeginDrain();
        if (Running == 0)
        {
            _idle.TrySetResult();
        }
    }

    public void CallStarted() => Interlocked.Increment(ref _running);

    public void CallEnded()
    {
        if (Interlocked.Decrement(ref _running) == 0 && _draining)
        {
            _idle.TrySetResult();
        }
    }
}
