namespace Mesh;

/// <summary>
/// Mutual TLS for every link (<see cref="MeshOptions.Tls"/>): each node presents a certificate and accepts only peers
/// whose certificate chains to the given certificate authority. Files are PEM, as a Kubernetes Secret or cert-manager
/// mounts them, and are re-read when they change (each new link uses the current files; open links are not dropped).
/// Off while <see cref="CertificatePath"/> is not set; a node then needs <see cref="MeshOptions.AllowPlaintext"/>.
/// </summary>
public sealed class MeshTlsOptions
{
    /// <summary>This node's certificate chain (PEM), e.g. <c>/etc/mesh/tls/tls.crt</c>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Its private key (PEM), e.g. <c>/etc/mesh/tls/tls.key</c>.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>The certificate authorities peers' certificates must chain to (PEM bundle), e.g. <c>/etc/mesh/tls/ca.crt</c>.</summary>
    public string? CertificateAuthorityPath { get; set; }

    /// <summary>
    /// Per service (wire name, e.g. <c>Shop.IInventory</c>), the peer identities allowed to call it (certificate URI or
    /// DNS names, e.g. <c>spiffe://cluster.local/ns/shop/sa/frontend</c>). A service not listed takes calls from every
    /// authenticated peer of the mesh. A refused call fails with <see cref="PermissionDeniedException"/>.
    /// </summary>
    public IDictionary<string, ISet<string>> AllowedCallers { get; } = new Dictionary<string, ISet<string>>(StringComparer.Ordinal);

    /// <summary>Whether TLS is configured.</summary>
    public bool IsEnabled => CertificatePath is not null;
}
