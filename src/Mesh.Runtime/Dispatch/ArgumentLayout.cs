using System.Buffers;

namespace Mesh.Dispatch;

/// <summary>
/// The arguments of a request as they travel: each one a little-endian 32-bit length, then that many bytes. Lets the
/// server find where the arguments its version knows end without deserializing anything.
/// </summary>
internal static class ArgumentLayout
{
    /// <summary>
    /// The number of parameters a method's wire contract lists (<c>Add(System.Int32,[System.String])</c> has 2: appended
    /// ones in brackets count too), or null when <paramref name="contract"/> is null.
    /// </summary>
    public static int? ParameterCount(string? contract)
    {
        if (contract is null)
        {
            return null;
        }

        var open = contract.IndexOf('(', StringComparison.Ordinal);
        if (open < 0 || !contract.EndsWith(')'))
        {
            return null;
        }

        var inner = contract.AsSpan(open + 1, contract.Length - open - 2);
        if (inner.IsWhiteSpace())
        {
            return 0;
        }

        var count = 1;
        var depth = 0;
        foreach (var c in inner)
        {
            switch (c)
            {
                case '<' or '[' or '(':
                    depth++;
                    break;
                case '>' or ']' or ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    count++;
                    break;
            }
        }

        return count;
    }

    /// <summary>
    /// The length of the first <paramref name="count"/> arguments of <paramref name="arguments"/> (all of them when there
    /// are fewer); false when a length prefix is negative or runs past the end.
    /// </summary>
    public static bool TryMeasure(in ReadOnlySequence<byte> arguments, int count, out long known)
    {
        var reader = new SequenceReader<byte>(arguments);
        for (var i = 0; i < count && !reader.End; i++)
        {
            if (!reader.TryReadLittleEndian(out int length) || length < 0 || length > reader.Remaining)
            {
                known = 0;
                return false;
            }

            reader.Advance(length);
        }

        known = reader.Consumed;
        return true;
    }

    /// <inheritdoc cref="TryMeasure(in ReadOnlySequence{byte}, int, out long)"/>
    public static bool TryMeasure(ReadOnlySpan<byte> arguments, int count, out long known)
    {
        var offset = 0;
        for (var i = 0; i < count && offset < arguments.Length; i++)
        {
            if (arguments.Length - offset < 4)
            {
                known = 0;
                return false;
            }

            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(arguments[offset..]);
            if (length < 0 || length > arguments.Length - offset - 4)
            {
                known = 0;
                return false;
            }

            offset += 4 + length;
        }

        known = offset;
        return true;
    }
}
