using System.Collections.Concurrent;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>What one node's stream handlers did: items produced per key, streams started, tokens that fired.</summary>
public sealed class StreamProbe
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _produced = new();

    public ConcurrentDictionary<string, TaskCompletionSource> Started { get; } = new();

    public ConcurrentDictionary<string, TaskCompletionSource> Cancelled { get; } = new();

    public ConcurrentDictionary<string, TaskCompletionSource> Gates { get; } = new();

    public int Produced(string key) => Volatile.Read(ref _produced.GetOrAdd(key, _ => new()).Value);

    public void CountProduced(string key) => Interlocked.Increment(ref _produced.GetOrAdd(key, _ => new()).Value);

    public TaskCompletionSource StartedFor(string key) => Started.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    public TaskCompletionSource CancelledFor(string key) => Cancelled.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    public TaskCompletionSource GateFor(string key) => Gates.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    private sealed class StrongBox<T>
    {
        public T Value = default!;
    }
}
