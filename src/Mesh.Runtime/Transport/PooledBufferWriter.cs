using System.Buffers;

namespace Mesh.Transport;

/// <summary>
/// A growable, contiguous <see cref="IBufferWriter{T}"/> over <see cref="ArrayPool{T}"/> arrays, so a
/// frame can be built in place and its length fields patched after the payload is written.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumSize = 256;
    private readonly int _initialCapacity;

    /// <summary>The largest array returned to the shared pool (see <see cref="ReturnToPool"/>).</summary>
    private const int MaxPooledLength = 256 * 1024;
    private byte[] _buffer;
    private int _written;

    /// <param name="initialCapacity">Size of the first array rented (and of any array rented after <see cref="Release"/>).</param>
    /// <param name="rentNow">False: rent nothing until the first write.</param>
    public PooledBufferWriter(int initialCapacity = MinimumSize, bool rentNow = true)
    {
        _initialCapacity = Math.Max(initialCapacity, MinimumSize);
        _buffer = rentNow ? ArrayPool<byte>.Shared.Rent(_initialCapacity) : [];
    }

    /// <summary>Whether an array is rented (false after <see cref="Release"/>, until the next write).</summary>
    public bool HoldsBuffer => _buffer.Length > 0;

    public int WrittenCount => _written;

    /// <summary>
    /// Most bytes this writer may hold; writing past it throws <see cref="PayloadTooLargeException"/> at once (so an
    /// oversized payload fails while it is being written, not after). Default: no limit.
    /// </summary>
    public int Limit { get; set; } = int.MaxValue;

    /// <summary>Size of the array currently rented.</summary>
    public int Capacity => _buffer.Length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>The written bytes, writable, for patching length fields.</summary>
    public Span<byte> WrittenSpanForPatch => _buffer.AsSpan(0, _written);

    /// <summary>Forgets what was written past <paramref name="length"/> bytes (a trailer replaced per attempt).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _written);
        _written = length;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > Limit - _written)
        {
            throw new PayloadTooLargeException($"the payload passed its limit of {Limit} bytes");
        }

        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("Cannot advance past the end of the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Reserves <paramref name="count"/> bytes and returns their offset.</summary>
    public int Reserve(int count)
    {
        Ensure(count);
        var offset = _written;
        _buffer.AsSpan(offset, count).Clear();
        _written += count;
        return offset;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    public void Reset()
    {
        _written = 0;
        Limit = int.MaxValue;
    }

    /// <summary>Drops the written bytes and swaps a grown array for a small one.</summary>
    public void Shrink()
    {
        var buffer = _buffer;
        _buffer = ArrayPool<byte>.Shared.Rent(MinimumSize);
        _written = 0;
        ReturnToPool(buffer);
    }

    /// <summary>Drops the written bytes and returns the array; the writer stays usable and rents again on its next write.</summary>
    public void Release() => Dispose();

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        ReturnToPool(buffer);
    }

    /// <summary>
    /// Gives an array back to the shared pool, unless it is larger than <see cref="MaxPooledLength"/>: the pool keeps what
    /// it is given per core with no memory limit, so large arrays from a burst (a flood of big answers, say) would stay
    /// resident long after it; those go to the garbage collector instead.
    /// </summary>
    private static void ReturnToPool(byte[] buffer)
    {
        if (buffer.Length is > 0 and <= MaxPooledLength)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (sizeHint > Limit - _written)
        {
            // Never grow for a write that cannot fit: a 100 MB argument fails before 100 MB are allocated.
            throw new PayloadTooLargeException($"the payload passed its limit of {Limit} bytes");
        }

        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        var needed = checked(_written + sizeHint);
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length == 0 ? _initialCapacity : _buffer.Length * 2));
        _buffer.AsSpan(0, _written).CopyTo(next);
        ReturnToPool(_buffer);

        _buffer = next;
    }
}
