namespace Mesh.Diagnostics;

/// <summary>
/// Folds repeated log events: per key (an event and a remote address, say) at most one line per interval, which
/// reports how many were folded since the previous line. So a port scan or a misconfigured peer that retries in a
/// loop costs one line per interval, not one per attempt. Bounded: it forgets every key once it holds too many.
/// </summary>
internal sealed class LogFolder(TimeSpan interval)
{
    private const int MaxKeys = 4096;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long LoggedAt, int Folded)> _keys = new(StringComparer.Ordinal);
    private readonly long _intervalMs = (long)interval.TotalMilliseconds;

    /// <summary>True when the event <paramref name="key"/> is to be logged now, with how many were folded before it.</summary>
    public bool ShouldLog(string key, out int folded)
    {
        var now = Environment.TickCount64;
        lock (_gate)
        {
            if (_keys.TryGetValue(key, out var entry) && now - entry.LoggedAt < _intervalMs)
            {
                _keys[key] = (entry.LoggedAt, entry.Folded + 1);
                folded = 0;
                return false;
            }

            if (_keys.Count >= MaxKeys)
            {
                _keys.Clear();
            }

            folded = entry.Folded;
            _keys[key] = (now, 0);
            return true;
        }
    }
}
