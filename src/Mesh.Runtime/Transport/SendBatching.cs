namespace Mesh.Transport;

/// <summary>
/// Holds back the wake-up of send loops while a thread runs a batch of work (see
/// <see cref="BatchDispatcher{TItem}"/>), so that every frame the batch queues on a link leaves in one write.
/// Outside a batch a frame wakes its send loop at once. Per thread; allocates once per thread.
/// </summary>
/// <remarks>
/// A batch item that blocks its thread until an answer arrives to a call it made (sync-over-async) would wait
/// for its own request, held here: <see cref="LinkWatchdog"/> sends any frame held longer than
/// <see cref="LinkWatchdog.HeldLimitMilliseconds"/> (<see cref="FrameSender.ReleaseIfHeld"/>), so such code
/// waits a few milliseconds, never forever.
/// </remarks>
internal static class SendBatching
{
    private const int MaxHeld = 16;

    [ThreadStatic]
    private static FrameSender?[]? _held;

    [ThreadStatic]
    private static int _count;

    [ThreadStatic]
    private static int _depth;

    /// <summary>Whether this thread is running a batch (its frames' wake-ups are held).</summary>
    public static bool InBatch => _depth > 0;

    /// <summary>Starts holding this thread's wake-ups; returns what <see cref="End"/> takes.</summary>
    public static int Begin() => _depth++;

    /// <summary>Ends the batch started by the matching <see cref="Begin"/>, waking every held send loop.</summary>
    public static void End(int scope)
    {
        _depth = scope;
        if (scope == 0)
        {
            Flush();
        }
    }

    /// <summary>
    /// Holds <paramref name="sender"/>'s wake-up until the batch ends; false (wake it now) outside a batch or
    /// when this thread already holds as many as it keeps.
    /// </summary>
    public static bool TryHold(FrameSender sender)
    {
        if (_depth == 0)
        {
            return false;
        }

        var held = _held ??= new FrameSender?[MaxHeld];
        if (_count == held.Length)
        {
            return false;
        }

        held[_count++] = sender;
        return true;
    }

    /// <summary>Wakes every send loop this thread holds.</summary>
    public static void Flush()
    {
        var held = _held;
        var count = _count;
        _count = 0;
        for (var i = 0; i < count; i++)
        {
            var sender = held![i]!;
            held[i] = null;
            sender.Release();
        }
    }
}
