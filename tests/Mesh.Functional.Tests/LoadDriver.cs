using System.Diagnostics;
using Shop;

namespace Mesh.Functional.Tests;

/// <summary>
/// Sustained concurrent calls to <see cref="IInventory"/>: records when each call started and ended, which node
/// served it, and every failure. Bounded in calls and stopped by the test.
/// </summary>
internal sealed class LoadDriver
{
    private const int MaxCalls = 2_000_000;
    private readonly IInventory _inventory;
    private readonly Call[] _calls = new Call[MaxCalls];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly List<string> _failures = [];
    private readonly Lock _gate = new();
    private readonly List<(string Node, long After, TaskCompletionSource<long> Seen)> _waiters = [];
    private int _next = -1;

    public LoadDriver(IInventory inventory, int concurrency, bool reserve)
    {
        _inventory = inventory;
        _workers = [.. Enumerable.Range(0, concurrency).Select(i => Task.Run(() => WorkAsync(reserve)))];
    }

    public readonly record struct Call(long Started, long Ended, string? Node);

    public int Completed => Math.Min(Volatile.Read(ref _next) + 1, MaxCalls);

    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_gate)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>Completes with the end timestamp of the first call served by <paramref name="node"/> that started after <paramref name="after"/>.</summary>
    public Task<long> FirstServedByAsync(string node, long after)
    {
        var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((node, after, seen));
        }

        return seen.Task;
    }

    /// <summary>Waits until <paramref name="count"/> more calls have completed.</summary>
    public async Task WaitForCallsAsync(int count, TimeSpan bound)
    {
        var target = Completed + count;
        var task = FirstCompletedAtAsync(target);
        await task.WaitAsync(bound);
    }

    /// <summary>The calls completed so far.</summary>
    public Call[] Snapshot() => [.. _calls.Take(Completed).Where(c => c.Ended != 0)];

    public async Task<Call[]> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        return [.. _calls.Take(Completed).Where(c => c.Ended != 0)];
    }

    private Task FirstCompletedAtAsync(int target)
    {
        // Completion count has no event: a waiter on any node served after now whose index passes target.
        var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add(("#" + target.ToString(System.Globalization.CultureInfo.InvariantCulture), 0, seen));
        }

        return seen.Task;
    }

    private async Task WorkAsync(bool reserve)
    {
        while (!_stop.IsCancellationRequested)
        {
            var index = Interlocked.Increment(ref _next);
            if (index >= MaxCalls)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            string? node = null;
            try
            {
                node = reserve
                    ? (await _inventory.Reserve("sku-" + (index % 97), 1)).NodeId
                    : (await _inventory.Stock("sku-" + (index % 97))).NodeId;
            }
            catch (Exception ex)
            {
                lock (_gate)
                {
                    _failures.Add($"call {index}: {ex.GetType().Name}: {ex.Message}");
                }
            }

            var ended = Stopwatch.GetTimestamp();
            _calls[index] = new Call(started, ended, node);
            lock (_gate)
            {
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    var (wanted, after, seen) = _waiters[i];
                    var match = wanted.StartsWith('#')
                        ? index + 1 >= int.Parse(wanted.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)
                        : wanted == node && started > after;
                    if (match)
                    {
                        _waiters.RemoveAt(i);
                        seen.TrySetResult(ended);
                    }
                }
            }
        }
    }
}
