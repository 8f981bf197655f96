namespace Mesh.Transport;

/// <summary>A peer broke the wire protocol; the link it came on is closed.</summary>
internal sealed class ProtocolException(string message) : Exception(message);
