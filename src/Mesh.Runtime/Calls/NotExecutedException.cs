namespace Mesh.Calls;

/// <summary>
/// A peer refused a call without executing it (draining, not hosting the service); the router sends the
/// call to another peer.
/// </summary>
internal sealed class NotExecutedException(string nodeId, string reason)
    : MeshException($"Node '{nodeId}' did not execute the call: {reason}.");
