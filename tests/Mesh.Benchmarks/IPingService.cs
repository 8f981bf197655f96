using System.Runtime.CompilerServices;

namespace Mesh.Benchmarks;

/// <summary>The contract every benchmark calls: one int in, one int out; the allocation probe also calls the other shapes.</summary>
[BalancedService]
public interface IPingService
{
    ValueTask<int> Ping(int value);

    /// <summary>The same call as a <see cref="Task{TResult}"/> method.</summary>
    Task<int> PingTask(int value);

    /// <summary>A <see cref="Task"/> method without a result.</summary>
    Task Touch(int value);

    /// <summary>A handler that really awaits (it yields to the thread pool before answering).</summary>
    ValueTask<int> PingAfterYield(int value);
}

/// <summary>Answers at once, so the benchmarks measure the call path, not the work.</summary>
internal sealed class PingService : IPingService
{
    public ValueTask<int> Ping(int value) => ValueTask.FromResult(value + 1);

    public Task<int> PingTask(int value) => Task.FromResult(value + 1);

    public Task Touch(int value) => Task.CompletedTask;

    // The handler's own state machine is pooled too, so what the probe counts is Mesh's part of an awaiting call.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> PingAfterYield(int value)
    {
        await Task.Yield();
        return value + 1;
    }
}
