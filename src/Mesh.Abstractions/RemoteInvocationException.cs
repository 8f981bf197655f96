namespace Mesh;

/// <summary>
/// The service implementation on the remote node threw an exception. By default the remote node sends only the
/// exception's type and a <see cref="CorrelationId"/> (it logs the whole exception with that id); its message too
/// when that node sets <c>MeshOptions.SendExceptionMessages</c>.
/// </summary>
public sealed class RemoteInvocationException : MeshException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="remoteExceptionType">The full type name of the exception thrown remotely.</param>
    /// <param name="remoteMessage">Its message, or empty when the remote node does not send messages.</param>
    /// <param name="nodeId">The node it was thrown on.</param>
    public RemoteInvocationException(string remoteExceptionType, string remoteMessage, string? nodeId = null)
        : base(string.IsNullOrEmpty(remoteMessage)
            ? $"The remote call failed on node '{nodeId ?? "?"}' with {remoteExceptionType}"
            : $"The remote call failed on node '{nodeId ?? "?"}' with {remoteExceptionType}: {remoteMessage}")
    {
        RemoteExceptionType = remoteExceptionType;
        RemoteMessage = remoteMessage;
        NodeId = nodeId;
    }

    /// <summary>The full type name of the exception thrown by the implementation.</summary>
    public string RemoteExceptionType { get; }

    /// <summary>The message of the exception thrown by the implementation; empty when the remote node does not send messages.</summary>
    public string RemoteMessage { get; }

    /// <summary>The node that ran the call.</summary>
    public string? NodeId { get; }

    /// <summary>The id under which the remote node logged the exception (search its logs for it), if it sent one.</summary>
    public string? CorrelationId { get; init; }

    /// <inheritdoc/>
    public override string Message => CorrelationId is null ? base.Message : $"{base.Message} (correlation id {CorrelationId})";
}
