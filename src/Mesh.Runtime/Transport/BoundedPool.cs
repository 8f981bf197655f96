namespace Mesh.Transport;

/// <summary>
/// A small pool of reusable objects: a stack under a short lock (no I/O, no callbacks under it). What
/// does not fit is left to the garbage collector; the pool never grows past its capacity.
/// </summary>
internal sealed class BoundedPool<T>(int capacity)
    where T : class
{
    private readonly Lock _gate = new();
    private readonly T?[] _items = new T?[capacity];
    private int _count;

    public T? TryRent()
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                return null;
            }

            var item = _items[--_count];
            _items[_count] = null;
            return item;
        }
    }

    public void Return(T item)
    {
        lock (_gate)
        {
            if (_count < _items.Length)
            {
                _items[_count++] = item;
            }
        }
    }
}
