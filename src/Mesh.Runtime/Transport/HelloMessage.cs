using System.Buffers;

namespace Mesh.Transport;

/// <summary>
/// The handshake each side sends first: who it is, which mesh it belongs to, and the services (with their
/// method ids) it hosts.
/// </summary>
internal sealed record HelloMessage(string NodeId, string MeshName, IReadOnlyList<HostedServiceInfo> Services)
{
    private const int MaxServices = 4096;
    private const int MaxMethods = 65535;

    /// <summary>
    /// Writes the hello frame; <paramref name="maxFrameSize"/> goes in the header's call-id field (see
    /// <see cref="Protocol.FrameSizeInHelloFeature"/>), 0 for none.
    /// </summary>
    public void WriteFrame(PooledBufferWriter writer, int maxFrameSize = 0)
    {
        var start = writer.Reserve(FrameHeader.Size);
        WireFormat.WriteString(writer, NodeId);
        WireFormat.WriteString(writer, MeshName);
        WireFormat.WriteUInt16(writer, checked((ushort)Services.Count));
        foreach (var service in Services)
        {
            WireFormat.WriteString(writer, service.Name);
            WireFormat.WriteUInt16(writer, checked((ushort)service.MethodIds.Count));
            foreach (var id in service.MethodIds)
            {
                WireFormat.WriteUInt32(writer, id);
            }
        }

        var frame = writer.WrittenSpanForPatch[start..];
        new FrameHeader(frame.Length - FrameHeader.Size, FrameKind.Hello, 0, maxFrameSize).Write(frame);
    }

    public static HelloMessage Read(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        var nodeId = WireFormat.ReadString(ref reader);
        var meshName = WireFormat.ReadString(ref reader);
        int serviceCount = WireFormat.ReadUInt16(ref reader);
        if (serviceCount > MaxServices)
        {
            throw new ProtocolException($"hello lists {serviceCount} services; the limit is {MaxServices}");
        }

        var services = new List<HostedServiceInfo>(serviceCount);
        for (var i = 0; i < serviceCount; i++)
        {
            var name = WireFormat.ReadString(ref reader);
            int methodCount = WireFormat.ReadUInt16(ref reader);
            var ids = new uint[Math.Min(methodCount, MaxMethods)];
            for (var m = 0; m < ids.Length; m++)
            {
                ids[m] = WireFormat.ReadUInt32(ref reader);
            }

            services.Add(new HostedServiceInfo(name, ids));
        }

        if (reader.Remaining != 0)
        {
            throw new ProtocolException("hello has trailing bytes");
        }

        if (nodeId.Length == 0)
        {
            throw new ProtocolException("hello has an empty node id");
        }

        return new HelloMessage(nodeId, meshName, services);
    }
}

/// <summary>A service a node hosts, as announced in its hello.</summary>
internal sealed record HostedServiceInfo(string Name, IReadOnlyList<uint> MethodIds)
{
    public uint Id { get; } = StableHash.Compute(Name);
}
