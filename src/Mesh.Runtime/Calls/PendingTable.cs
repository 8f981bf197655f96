namespace Mesh.Calls;

/// <summary>
/// The calls in flight on one link, by call id, with a fixed capacity (the link's in-flight cap). A call
/// id is a slot index in its low 32 bits and that slot's use count above, so a late frame for a finished
/// call never matches the slot's next call. Adding and removing allocate nothing.
/// </summary>
internal sealed class PendingTable
{
    private readonly Lock _gate = new();
    private readonly PendingCall?[] _calls;
    private readonly long[] _ids;
    private readonly uint[] _uses;
    private readonly int[] _free;
    private int _freeCount;
    private int _count;
    private bool _closed;

    // No call in the table has a deadline before this Stopwatch timestamp (it may be earlier than the true minimum).
    private long _earliestDeadline = long.MaxValue;

    public PendingTable(int capacity)
    {
        _calls = new PendingCall?[capacity];
        _ids = new long[capacity];
        _uses = new uint[capacity];
        _free = new int[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _free[i] = capacity - 1 - i;
        }

        _freeCount = capacity;
    }

    public int Capacity => _calls.Length;

    public int Count => Volatile.Read(ref _count);

    public bool IsEmpty => Count == 0;

    /// <summary>Adds <paramref name="call"/>; false when the table is full or closed.</summary>
    public bool TryAdd(PendingCall call, out long callId)
    {
        lock (_gate)
        {
            if (_closed || _freeCount == 0)
            {
                callId = 0;
                return false;
            }

            var slot = _free[--_freeCount];
            var uses = ++_uses[slot];
            if (uses == 0)
            {
                uses = _uses[slot] = 1;
            }

            callId = ((long)uses << 32) | (uint)slot;
            _ids[slot] = callId;
            _calls[slot] = call;
            _count++;
            if (call.DeadlineTimestamp < _earliestDeadline)
            {
                Volatile.Write(ref _earliestDeadline, call.DeadlineTimestamp);
            }

            return true;
        }
    }

    /// <summary>Removes and returns the call with <paramref name="callId"/>, if it is still in flight.</summary>
    public PendingCall? TryRemove(long callId)
    {
        var slot = (int)(uint)callId;
        if ((uint)slot >= (uint)_calls.Length)
        {
            return null;
        }

        lock (_gate)
        {
            var call = _calls[slot];
            if (call is null || _ids[slot] != callId)
            {
                return null;
            }

            _calls[slot] = null;
            _ids[slot] = 0;
            _free[_freeCount++] = slot;
            _count--;
            return call;
        }
    }

    /// <summary>
    /// Fails every call in flight whose deadline is before <paramref name="now"/> (a <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp); called a few times a second per link (see <see cref="Transport.LinkWatchdog"/>), and scans the table only
    /// when the earliest deadline it was given has passed, so calls pay for no timer of their own.
    /// </summary>
    public void ExpireOverdue(long now)
    {
        if (Volatile.Read(ref _earliestDeadline) > now)
        {
            return;
        }

        lock (_gate)
        {
            var earliest = long.MaxValue;
            foreach (var call in _calls)
            {
                if (call is null)
                {
                    continue;
                }

                if (call.DeadlineTimestamp <= now)
                {
                    // Stays in the table until its router finishes it (which tells the server to stop).
                    call.Expire();
                }
                else if (call.DeadlineTimestamp < earliest)
                {
                    earliest = call.DeadlineTimestamp;
                }
            }

            Volatile.Write(ref _earliestDeadline, earliest);
        }
    }

    /// <summary>Refuses new calls and removes every call in flight.</summary>
    public List<PendingCall> Close()
    {
        var removed = new List<PendingCall>();
        lock (_gate)
        {
            _closed = true;
            for (var slot = 0; slot < _calls.Length; slot++)
            {
                if (_calls[slot] is { } call)
                {
                    removed.Add(call);
                    _calls[slot] = null;
                    _ids[slot] = 0;
                    _free[_freeCount++] = slot;
                    _count--;
                }
            }
        }

        return removed;
    }
}
