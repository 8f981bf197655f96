using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>A throwaway certificate authority and node certificates, written as PEM files in a temporary folder.</summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;

    public TestCertificates(string name = "test-ca")
    {
        Folder = Directory.CreateTempSubdirectory("mesh-tls-").FullName;
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2));
        AuthorityPath = Path.Combine(Folder, name + ".crt");
        File.WriteAllText(AuthorityPath, _ca.ExportCertificatePem());
    }

    public string Folder { get; }

    public string AuthorityPath { get; }

    /// <summary>Issues (or re-issues, overwriting its files) the certificate of <paramref name="node"/> with a SPIFFE id.</summary>
    public (string Certificate, string Key) Issue(string node, string? spiffeId = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={node}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(spiffeId ?? $"spiffe://cluster.local/ns/test/sa/{node}"));
        names.AddDnsName(node);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = request.Create(_ca, DateTimeOffset.UtcNow.AddMinutes(-5), notAfter ?? DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        var certificatePath = Path.Combine(Folder, node + ".crt");
        var keyPath = Path.Combine(Folder, node + ".key");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        return (certificatePath, keyPath);
    }

    /// <summary>Sets <paramref name="options"/> to use <paramref name="node"/>'s certificate and this authority.</summary>
    public void Use(MeshOptions options, string node)
    {
        var (certificate, key) = Issue(node);
        options.Tls.CertificatePath = certificate;
        options.Tls.PrivateKeyPath = key;
        options.Tls.CertificateAuthorityPath = AuthorityPath;
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
