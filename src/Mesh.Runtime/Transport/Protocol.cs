using System.Buffers.Binary;

namespace Mesh.Transport;

/// <summary>Constants of the Mesh wire protocol.</summary>
internal static class Protocol
{
    /// <summary>The protocol version this build speaks.</summary>
    public const ushort Version = 1;

    /// <summary>Connection preface: "MESH", version (u16), features (u16; builds before features wrote 0 and ignore it).</summary>
    public const int PrefaceSize = 8;

    /// <summary>Feature bit: the node reads a W3C trace context trailer on requests (<see cref="FrameFlags.HasTraceContext"/>).</summary>
    public const ushort TraceContextFeature = 1;

    /// <summary>
    /// Feature bit: the node serves streams (<see cref="FrameKind.StreamRequest"/>, <see cref="FrameKind.StreamItem"/>,
    /// <see cref="FrameKind.StreamEnd"/>, <see cref="FrameKind.StreamCredit"/>). A caller opens a stream only on a link
    /// whose peer offers it; a peer without it would close the link on the unknown frame.
    /// </summary>
    public const ushort StreamFeature = 2;

    /// <summary>
    /// Feature bit: the hello frame's call-id field carries the sender's <see cref="MeshOptions.MaxFrameSize"/> (builds
    /// before it write 0 there and never read it, so old and new nodes link either way; the payload is unchanged). Read
    /// only from a peer whose preface offers this bit.
    /// </summary>
    public const ushort FrameSizeInHelloFeature = 4;

    /// <summary>The features this build offers its peers.</summary>
    public const ushort Features = TraceContextFeature | StreamFeature | FrameSizeInHelloFeature;

    /// <summary>The smallest and largest <see cref="MeshOptions.MaxFrameSize"/> a node may announce.</summary>
    public const int MinAnnouncedFrameSize = 4096;

    /// <inheritdoc cref="MinAnnouncedFrameSize"/>
    public const int MaxAnnouncedFrameSize = 256 * 1024 * 1024;

    /// <summary>Bytes of the request prefix inside a request frame: service id, method id, deadline.</summary>
    public const int RequestPrefixSize = 12;

    public static ReadOnlySpan<byte> Magic => "MESH"u8;

    public static void WritePreface(Span<byte> destination, ushort features = Features)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], features);
    }

    /// <summary>Validates a peer's preface and returns the features it offers.</summary>
    /// <exception cref="ProtocolException">Not a Mesh peer, or a version this build does not speak.</exception>
    public static ushort ValidatePreface(ReadOnlySpan<byte> preface)
    {
        if (!preface[..4].SequenceEqual(Magic))
        {
            throw new ProtocolException("the peer did not send the Mesh preface (not a Mesh node?)");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(preface[4..]);
        if (version != Version)
        {
            throw new ProtocolException($"the peer speaks protocol version {version}; this node speaks {Version}");
        }

        return BinaryPrimitives.ReadUInt16LittleEndian(preface[6..]);
    }
}
