namespace Mesh;

/// <summary>
/// A call's arguments or result are larger than a node accepts (<c>MeshOptions.MaxFrameSize</c>). Only this call
/// fails: the link and the other calls on it are unaffected, and the call is not sent to another peer. Arguments
/// fail on the caller as soon as they pass the limit, before anything is sent.
/// </summary>
public sealed class PayloadTooLargeException : MeshException
{
    /// <summary>Creates the exception.</summary>
    public PayloadTooLargeException(string message)
        : base(message)
    {
    }
}
