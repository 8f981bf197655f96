using System.Collections.Concurrent;

namespace Mesh.Generators.EndToEnd.Tests.Services;

/// <summary>
/// What server-side implementations saw, shared by every node of a test cluster (they run in one process),
/// so that tests wait on real signals instead of sleeping.
/// </summary>
internal sealed class CallProbe : IDisposable
{
    private readonly CancellationTokenSource _release = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _signals = new(StringComparer.Ordinal);

    /// <summary>The node on which <see cref="IRetries"/> calls hang until the test cuts the link.</summary>
    public string? HangOnNode { get; set; }

    /// <summary>Fires when the test releases the calls that hang.</summary>
    public CancellationToken Released => _release.Token;

    public void Release() => _release.Cancel();

    public void Dispose() => _release.Dispose();

    public void Touched(string key) => Signal("touched:" + key, key);

    public void Started(string key) => Signal("started:" + key, key);

    public void Cancelled(string key) => Signal("cancelled:" + key, key);

    public void Arrived(string key, string nodeId) => Signal($"arrived:{key}:{nodeId}", nodeId);

    public Task WhenTouched(string key) => Get("touched:" + key).Task;

    public Task WhenStarted(string key) => Get("started:" + key).Task;

    public Task WhenCancelled(string key) => Get("cancelled:" + key).Task;

    public Task WhenArrived(string key, string nodeId) => Get($"arrived:{key}:{nodeId}").Task;

    private void Signal(string name, string value) => Get(name).TrySetResult(value);

    private TaskCompletionSource<string> Get(string name)
        => _signals.GetOrAdd(name, static _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
