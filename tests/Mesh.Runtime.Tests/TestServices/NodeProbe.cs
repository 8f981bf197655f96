using System.Collections.Concurrent;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>What one node's service saw: calls served, and cancellations its handlers observed.</summary>
public sealed class NodeProbe
{
    private int _served;

    public int Served => Volatile.Read(ref _served);

    public ConcurrentDictionary<string, TaskCompletionSource> Started { get; } = new();

    public ConcurrentDictionary<string, TaskCompletionSource> Cancelled { get; } = new();

    public ConcurrentDictionary<string, ManualResetEventSlim> Gates { get; } = new();

    public void CountServed() => Interlocked.Increment(ref _served);

    public TaskCompletionSource StartedFor(string key) => Started.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    public ManualResetEventSlim GateFor(string key) => Gates.GetOrAdd(key, _ => new());

    public TaskCompletionSource CancelledFor(string key) => Cancelled.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
}
