using System.Buffers;

namespace Mesh.Calls;

/// <summary>A response's serialized result in a pooled array; the receiver returns it after reading.</summary>
internal readonly struct ResponsePayload(byte[] buffer, int length) : IDisposable
{
    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);

    public static ResponsePayload Copy(in ReadOnlySequence<byte> source)
    {
        var length = checked((int)source.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        source.CopyTo(buffer);
        return new ResponsePayload(buffer, length);
    }

    public static ResponsePayload Copy(ReadOnlySpan<byte> source)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(source.Length, 1));
        source.CopyTo(buffer);
        return new ResponsePayload(buffer, source.Length);
    }

    public void Dispose()
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
