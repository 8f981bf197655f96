using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Quickstart;

/// <summary>
/// A certificate authority made in memory for this run, and a certificate per node with a SPIFFE id, written as PEM
/// files (what a Kubernetes Secret would mount) to a temporary folder deleted at the end.
/// </summary>
internal sealed class EphemeralCertificates : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;
    private readonly string _folder = Directory.CreateTempSubdirectory("mesh-quickstart-tls-").FullName;
    private readonly string _caPath;

    public EphemeralCertificates()
    {
        var request = new CertificateRequest("CN=mesh-quickstart-ca", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        _caPath = Path.Combine(_folder, "ca.crt");
        File.WriteAllText(_caPath, _ca.ExportCertificatePem());
    }

    /// <summary>Gives <paramref name="options"/> a certificate for <paramref name="node"/> and this run's authority.</summary>
    public void Configure(Mesh.MeshOptions options, string node)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={node}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri($"spiffe://quickstart.local/node/{node}"));
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.Create(_ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        options.Tls.CertificatePath = Path.Combine(_folder, node + ".crt");
        options.Tls.PrivateKeyPath = Path.Combine(_folder, node + ".key");
        options.Tls.CertificateAuthorityPath = _caPath;
        File.WriteAllText(options.Tls.PrivateKeyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(options.Tls.CertificatePath, certificate.ExportCertificatePem());
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
