namespace Mesh.Kubernetes;

/// <summary>Jittered exponential backoff: half to all of <c>min * 2^(attempt-1)</c>, capped at <c>max</c>.</summary>
internal static class Backoff
{
    public static TimeSpan Jittered(int attempt, TimeSpan min, TimeSpan max)
    {
        var exponential = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(exponential * (0.5 + (Random.Shared.NextDouble() / 2)));
    }
}
