namespace Mesh.Kubernetes;

/// <summary>
/// The Kubernetes API could not be listed or watched (unreachable, forbidden, failing). The node keeps its
/// last known peers, reports itself degraded with this message, and retries with backoff.
/// </summary>
public sealed class KubernetesDiscoveryException : MeshException
{
    /// <summary>Creates the exception.</summary>
    public KubernetesDiscoveryException()
        : base("Kubernetes discovery failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public KubernetesDiscoveryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public KubernetesDiscoveryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
