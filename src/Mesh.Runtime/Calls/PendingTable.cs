namespace Mesh.Calls;

/// <summary>
/// The calls in flight on one link, by call id, up to a capacity (the link's in-flight cap). A call
/// id is a slot index in its low 32 bits and that slot's use count above, so a late frame for a finished
/// call never matches the slot's next call. The slots start few and double when all are taken (up to the
/// capacity), so an idle link holds a few hundred bytes, not the cap's worth; adding and removing allocate
/// nothing once the table has grown to the link's busiest moment.
/// </summary>
internal sealed class PendingTable
{
    /// <summary>Slots a new table starts with.</summary>
    public const int InitialSlots = 16;

    private readonly Lock _gate = new();
    private readonly int _capacity;
    private PendingCall?[] _calls;
    private long[] _ids;
    private uint[] _uses;
    private int[] _free;
    private int _freeCount;
    private int _count;
    private bool _closed;

    // No call in the table has a deadline before this Stopwatch timestamp (it may be earlier than the true minimum).
    private long _earliestDeadline = long.MaxValue;

    public PendingTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        _calls = [];
        _ids = [];
        _uses = [];
        _free = [];
        Grow(Math.Min(capacity, InitialSlots));
    }

    /// <summary>Most calls the table holds at once.</summary>
    public int Capacity => _capacity;

    /// <summary>Slots allocated so far (grows with the calls in flight, up to <see cref="Capacity"/>).</summary>
    public int Slots
    {
        get
        {
            lock (_gate)
            {
                return _calls.Length;
            }
        }
    }

    public int Count => Volatile.Read(ref _count);

    public bool IsEmpty => Count == 0;

    /// <summary>Adds <paramref name="call"/>; false when the table is full or closed.</summary>
    public bool TryAdd(PendingCall call, out long callId)
    {
        lock (_gate)
        {
            if (_freeCount == 0 && !_closed && _calls.Length < _capacity)
            {
                Grow(Math.Min(_capacity, _calls.Length * 2));
            }

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
        lock (_gate)
        {
            if ((uint)slot >= (uint)_calls.Length)
            {
                return null;
            }

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

    /// <summary>Widens the arrays to <paramref name="slots"/>; the new slots go on the free list, lowest first. Under the lock.</summary>
    private void Grow(int slots)
    {
        var old = _calls.Length;
        Array.Resize(ref _calls, slots);
        Array.Resize(ref _ids, slots);
        Array.Resize(ref _uses, slots);
        var free = new int[slots];
        for (var i = 0; i < slots - old; i++)
        {
            free[i] = slots - 1 - i;
        }

        // Existing free slots sit above the new ones, so they are taken first.
        _free.AsSpan(0, _freeCount).CopyTo(free.AsSpan(slots - old));
        _freeCount += slots - old;
        _free = free;
    }
}
