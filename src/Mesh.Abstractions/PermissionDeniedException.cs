namespace Mesh;

/// <summary>
/// The node refused the call because the caller's identity (its TLS certificate) is not allowed to call the service
/// (<c>MeshOptions.Tls.AllowedCallers</c>). The call was not executed, and is not sent to another peer.
/// </summary>
public sealed class PermissionDeniedException : MeshException
{
    /// <summary>Creates the exception.</summary>
    public PermissionDeniedException(string message)
        : base(message)
    {
    }
}
