namespace Mesh;

/// <summary>No reachable node hosts the service, or the node the call reached does not host it.</summary>
public sealed class UnknownServiceException : MeshException
{
    /// <summary>Creates the exception.</summary>
    public UnknownServiceException(string serviceName, string? detail = null)
        : base($"Service '{serviceName}' is not hosted{(detail is null ? "." : ": " + detail)}")
        => ServiceName = serviceName;

    /// <summary>The service's wire name.</summary>
    public string ServiceName { get; }
}
