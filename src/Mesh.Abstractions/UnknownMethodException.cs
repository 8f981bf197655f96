namespace Mesh;

/// <summary>The node hosts the service but not the called method (e.g. an older version of it).</summary>
public sealed class UnknownMethodException : MeshException
{
    /// <summary>Creates the exception.</summary>
    public UnknownMethodException(string serviceName, uint methodId, string? methodName = null)
        : base($"Service '{serviceName}' has no method {methodName ?? "with id"} 0x{methodId:x8} on the node that received the call.")
    {
        ServiceName = serviceName;
        MethodId = methodId;
    }

    /// <summary>The service's wire name.</summary>
    public string ServiceName { get; }

    /// <summary>The stable id of the method that was called.</summary>
    public uint MethodId { get; }
}
