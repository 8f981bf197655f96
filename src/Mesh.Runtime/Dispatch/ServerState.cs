using Mesh.Load;
using Mesh.Serialization;
using Mesh.Transport;

namespace Mesh.Dispatch;

/// <summary>
/// What every server connection of a node shares: hosted services, serializer, the count of running calls
/// with its cap (<see cref="MeshOptions.MaxConcurrentCalls"/>), the pool of call objects, and the node's load
/// (reported to callers).
/// </summary>
internal sealed class ServerState(ServiceCatalog catalog, IPayloadSerializer serializer, string nodeId, int maxConcurrentCalls, NodeLoadMonitor load)
{
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly BoundedPool<ServerCall> _calls = new(Math.Min(maxConcurrentCalls, 1024));
    private int _running;
    private volatile bool _draining;

    public ServiceCatalog Catalog => catalog;

    public IPayloadSerializer Serializer => serializer;

    public string NodeId => nodeId;

    public int MaxConcurrentCalls => maxConcurrentCalls;

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

    /// <summary>Counts a call as running unless as many as allowed already run (then it must be refused).</summary>
    public bool TryStartCall()
    {
        if (Interlocked.Increment(ref _running) > maxConcurrentCalls)
        {
            CallEnded();
            return false;
        }

        return true;
    }

    public void CallEnded()
    {
        if (Interlocked.Decrement(ref _running) == 0 && _draining)
        {
            _idle.TrySetResult();
        }
    }

    public ServerCall RentCall() => _calls.TryRent() ?? new ServerCall();

    public void ReturnCall(ServerCall call)
    {
        call.Release();
        _calls.Return(call);
    }
}
