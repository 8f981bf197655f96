using System.Diagnostics;
using Mesh.Membership;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Kubernetes.Tests.RealApi;

/// <summary>
/// Runs <see cref="EndpointSliceDiscovery"/> as a node does: enumerates its peer sets, and when the enumeration
/// fails (API unreachable, forbidden) records why, keeps the last set, and enumerates again. Tests wait on the
/// sets it saw; each set carries the <see cref="Stopwatch"/> timestamp of its arrival.
/// </summary>
internal sealed class DiscoveryFollower : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly EndpointSliceDiscovery _discovery;
    private readonly RecordingLogger _logger = new();
    private readonly Task _loop;
    private IReadOnlyList<DiscoveredPeer>? _peers;
    private long _arrived;
    private string? _failure;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DiscoveryFollower(KubernetesDiscoveryOptions options)
    {
        options.MinBackoff = TimeSpan.FromMilliseconds(50);
        options.MaxBackoff = TimeSpan.FromMilliseconds(500);
        _discovery = new EndpointSliceDiscovery(Options.Create(options), _logger);
        _loop = RunAsync();
    }

    public EndpointSliceDiscovery Discovery => _discovery;

    /// <summary>Why the last enumeration failed; null once a later one delivered a set.</summary>
    public string? Failure
    {
        get
        {
            lock (_gate)
            {
                return _failure;
            }
        }
    }

    /// <summary>How many times discovery listed the slices (log event 101).</summary>
    public int Lists => _logger.Count(101);

    /// <summary>How many times a list's continue token expired and the list started over (log event 108).</summary>
    public int ContinueExpirations => _logger.Count(108);

    /// <summary>Waits until the latest set satisfies <paramref name="predicate"/>; returns the set and its arrival timestamp.</summary>
    public async Task<(IReadOnlyList<DiscoveredPeer> Peers, long Arrived)> WaitForAsync(Func<IReadOnlyList<DiscoveredPeer>, bool> predicate)
    {
        using var timeout = new CancellationTokenSource(Bound);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_peers is not null && predicate(_peers))
                {
                    return (_peers, _arrived);
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"discovery did not reach the expected peers within {Bound}; last set: [{string.Join(", ", _peers?.Select(Describe) ?? [])}], failure: {Failure ?? "none"}");
            }
        }
    }

    /// <summary>Waits for exactly these ready addresses (IPv6 in brackets as <see cref="DiscoveredPeer.Address"/> writes them).</summary>
    public Task<(IReadOnlyList<DiscoveredPeer> Peers, long Arrived)> WaitForAsync(params string[] peers)
        => WaitForAsync(set => set.Select(Describe).Order(StringComparer.Ordinal).SequenceEqual(peers.Order(StringComparer.Ordinal)));

    public async Task WaitForFailureAsync(Func<string, bool> predicate)
    {
        using var timeout = new CancellationTokenSource(Bound);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_failure is { } failure && predicate(failure))
                {
                    return;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"discovery reported no such failure within {Bound}; failure: {Failure ?? "none"}");
            }
        }
    }

    public static string Describe(DiscoveredPeer peer) => peer.IsReady ? peer.Address : peer.Address + " (terminating)";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _discovery.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var peers in _discovery.WatchAsync(_stop.Token))
                {
                    Update(peers, null);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (KubernetesDiscoveryException ex)
            {
                Update(null, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Update(IReadOnlyList<DiscoveredPeer>? peers, string? failure)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (peers is not null)
            {
                _peers = peers;
                _arrived = Stopwatch.GetTimestamp();
            }

            _failure = failure;
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private sealed class RecordingLogger : ILogger<EndpointSliceDiscovery>
    {
        private readonly Dictionary<int, int> _counts = [];

        public int Count(int eventId)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(eventId);
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_counts)
            {
                _counts[eventId.Id] = _counts.GetValueOrDefault(eventId.Id) + 1;
            }

            if (Environment.GetEnvironmentVariable("MESH_TEST_LOG") is not null)
            {
                Console.Error.WriteLine($"[{logLevel}] {formatter(state, exception)}");
            }
        }
    }
}
