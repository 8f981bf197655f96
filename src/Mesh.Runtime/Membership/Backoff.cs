namespace Mesh.Membership;

/// <summary>
/// The one retry backoff of the runtime — reconnecting to a peer, retrying discovery, re-listing or re-watching the
/// Kubernetes API: jittered exponential, half to all of <c>min * 2^(attempt-1)</c>, capped at <c>max</c>. The
/// jitter spreads the retries of many nodes after a shared outage.
/// </summary>
internal static class Backoff
{
    /// <summary>The delay before retry number <paramref name="attempt"/> (1 for the first retry).</summary>
    public static TimeSpan Jittered(int attempt, TimeSpan min, TimeSpan max)
    {
        var exponential = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(exponential * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    /// <summary>Waits <paramref name="delay"/>, returning early (without throwing) when <paramref name="cancellationToken"/> fires.</summary>
    public static async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
