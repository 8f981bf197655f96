namespace Mesh.Transport;

/// <summary>
/// The first-in, first-out queue of a link's <see cref="BatchDispatcher{TItem}"/>: a ring of slots under a short lock
/// (one thread usually both fills and drains it, so the lock is uncontended). It allocates nothing once it has grown
/// to the link's busiest moment, and, unlike a concurrent queue whose segments stay at a burst's size, gives its
/// slots back when the link goes quiet (<see cref="Trim"/>): an idle link holds no slot array at all.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class ItemQueue<T>
    where T : struct
{
    private const int InitialCapacity = 8;
    private readonly Lock _gate = new();
    private T[] _items = [];
    private int _head;
    private int _count;

    /// <summary>Whether the queue is empty (a volatile read, no lock).</summary>
    public bool IsEmpty => Volatile.Read(ref _count) == 0;

    /// <summary>The slots the queue holds now (for tests).</summary>
    internal int Capacity
    {
        get
        {
            lock (_gate)
            {
                return _items.Length;
            }
        }
    }

    public void Enqueue(in T item)
    {
        lock (_gate)
        {
            if (_count == _items.Length)
            {
                Grow();
            }

            var tail = _head + _count;
            if (tail >= _items.Length)
            {
                tail -= _items.Length;
            }

            _items[tail] = item;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public bool TryDequeue(out T item)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                item = default;
                return false;
            }

            item = _items[_head];

            // The slot must not keep the item's references alive.
            _items[_head] = default;
            if (++_head == _items.Length)
            {
                _head = 0;
            }

            Volatile.Write(ref _count, _count - 1);
            return true;
        }
    }

    /// <summary>Gives the slots back when the queue is empty; the next item allocates a small array again.</summary>
    public void Trim()
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                _items = [];
                _head = 0;
            }
        }
    }

    private void Grow()
    {
        var next = new T[Math.Max(InitialCapacity, _items.Length * 2)];
        for (var i = 0; i < _count; i++)
        {
            var index = _head + i;
            next[i] = _items[index >= _items.Length ? index - _items.Length : index];
        }

        _items = next;
        _head = 0;
    }
}
