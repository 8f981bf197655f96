namespace Mesh;

/// <summary>
/// No peer could take the call: none is connected, or the link to the chosen peer failed while the call was
/// in flight (the call may or may not have executed).
/// </summary>
public sealed class PeerUnavailableException : MeshException
{
    /// <summary>Creates the exception.</summary>
    public PeerUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
