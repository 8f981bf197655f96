namespace Mesh;

/// <summary>The service implementation on the remote node threw an exception.</summary>
public sealed class RemoteInvocationException : MeshException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="remoteExceptionType">The full type name of the exception thrown remotely.</param>
    /// <param name="remoteMessage">Its message.</param>
    /// <param name="nodeId">The node it was thrown on.</param>
    public RemoteInvocationException(string remoteExceptionType, string remoteMessage, string? nodeId = null)
        : base($"The remote call failed on node '{nodeId ?? "?"}' with {remoteExceptionType}: {remoteMessage}")
    {
        RemoteExceptionType = remoteExceptionType;
        RemoteMessage = remoteMessage;
        NodeId = nodeId;
    }

    /// <summary>The full type name of the exception thrown by the implementation.</summary>
    public string RemoteExceptionType { get; }

    /// <summary>The message of the exception thrown by the implementation.</summary>
    public string RemoteMessage { get; }

    /// <summary>The node that ran the call.</summary>
    public string? NodeId { get; }
}
