using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.LoadDriver;

/// <summary>
/// The TLS rows' certificates: the orchestrator makes an authority and one certificate each for the server and the
/// client process (ECDSA P-256, SAN 127.0.0.1 and localhost) as PEM files in a temporary folder, and names the folder
/// to its children in <see cref="FolderVariable"/>. Both TLS peers (Mesh and gRPC) use the same files, mutually.
/// </summary>
internal sealed class DriverCertificates : IDisposable
{
    public const string FolderVariable = "MESH_LOADDRIVER_TLS";

    private readonly string _folder;

    private DriverCertificates(string folder) => _folder = folder;

    public static string Authority => Path.Combine(Folder(), "ca.crt");

    /// <summary>Makes the files and sets <see cref="FolderVariable"/> for the child processes to come.</summary>
    public static DriverCertificates Create()
    {
        var folder = Directory.CreateTempSubdirectory("mesh-loaddriver-tls-").FullName;
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=mesh-loaddriver-ca", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var authority = authorityRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(folder, "ca.crt"), authority.ExportCertificatePem());
        foreach (var role in (string[])["server", "client"])
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN=loaddriver-{role}", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            names.AddUri(new Uri($"spiffe://loaddriver.local/{role}"));
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
            using var certificate = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
            File.WriteAllText(Path.Combine(folder, role + ".crt"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(folder, role + ".key"), key.ExportPkcs8PrivateKeyPem());
        }

        Environment.SetEnvironmentVariable(FolderVariable, folder);
        return new DriverCertificates(folder);
    }

    public static string CertificatePath(string role) => Path.Combine(Folder(), role + ".crt");

    public static string KeyPath(string role) => Path.Combine(Folder(), role + ".key");

    /// <summary>The certificate and key of <paramref name="role"/> as one certificate with its private key.</summary>
    public static X509Certificate2 Load(string role)
    {
        using var pem = X509Certificate2.CreateFromPemFile(CertificatePath(role), KeyPath(role));
        // Exported and re-imported: SslStream on Linux needs a certificate whose key is not ephemeral.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>True when <paramref name="certificate"/> chains to this run's authority (and only to it).</summary>
    public static bool IsTrusted(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var authority = X509CertificateLoader.LoadCertificateFromFile(Authority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Folder()
        => Environment.GetEnvironmentVariable(FolderVariable) ?? throw new InvalidOperationException($"{FolderVariable} is not set: the TLS peers run under the orchestrator");
}
