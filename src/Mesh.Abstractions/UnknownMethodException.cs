namespace Mesh;

/// <summary>The node hosts the service but not the called method (e.g. an older version of it).</summary>
public sealed class UnknownMethodException : MeshException
{
    /// <summary>Creates the exception.</summary>
    public UnknownMethodException(string serviceName, uint methodId, string? methodName = null)
        : this(serviceName, methodId, methodName, (string?)null)
    {
    }

    /// <summary>
    /// Creates the exception for a call that another version of the service does not know, its message
    /// naming what the other side's version offers (e.g. the receiving node's list of method contracts).
    /// </summary>
    /// <param name="serviceName">The service's wire name.</param>
    /// <param name="methodId">The id of the method that was called.</param>
    /// <param name="methodName">The method's name or contract, when the side that throws knows it.</param>
    /// <param name="detail">The other side's view of the service, appended to the message.</param>
    public static UnknownMethodException VersionMismatch(string serviceName, uint methodId, string? methodName, string detail)
        => new(serviceName, methodId, methodName, (string?)detail);

    private UnknownMethodException(string serviceName, uint methodId, string? methodName, string? detail)
        : base($"Service '{serviceName}' has no method {methodName ?? "with id"} 0x{methodId:x8} on the node that received the call." + (detail is null ? "" : " " + detail))
    {
        ServiceName = serviceName;
        MethodId = methodId;
    }

    /// <summary>The service's wire name.</summary>
    public string ServiceName { get; }

    /// <summary>The stable id of the method that was called.</summary>
    public uint MethodId { get; }
}
