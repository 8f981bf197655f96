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
        => Jittered(attempt, min, max, Random.Shared.NextDouble());

    /// <summary>
    /// The delay before retry number <paramref name="attempt"/> for a jitter draw <paramref name="unit"/> in [0, 1):
    /// 0 gives half the capped exponential delay, values near 1 all of it.
    /// </summary>
    public static TimeSpan Jittered(int attempt, TimeSpan min, TimeSpan max, double unit)
    {
        var exponential = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(exponential * (0.5 + (Math.Clamp(unit, 0, 1) / 2)));
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
