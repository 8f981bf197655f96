using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Transport;

/// <summary>
/// The certificates of a node's links: its own certificate and key, and the authorities a peer's certificate must chain to,
/// read from PEM files and re-read when a file changes (checked at each new link; open links keep theirs). Both sides
/// present a certificate; a peer's identity is its certificate's first URI or DNS name (a SPIFFE id, for example).
/// </summary>
internal sealed class LinkTls(string certificatePath, string privateKeyPath, string authorityPath)
{
    private readonly Lock _gate = new();
    private Material? _material;

    /// <summary>TLS for <paramref name="options"/>, or null when it is off.</summary>
    public static LinkTls? From(MeshTlsOptions options)
        => options.IsEnabled ? new LinkTls(options.CertificatePath!, options.PrivateKeyPath!, options.CertificateAuthorityPath!) : null;

    public SslServerAuthenticationOptions ServerOptions()
    {
        var material = Current();
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = material.Context,
            ClientCertificateRequired = true,
            EnabledSslProtocols = SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => material.Trusts(certificate, chain),
        };
    }

    public SslClientAuthenticationOptions ClientOptions()
    {
        var material = Current();
        return new SslClientAuthenticationOptions
        {
            // Peers are identified by the authority that signed them, not by the address they were found at.
            TargetHost = "mesh",
            ClientCertificateContext = material.Context,
            EnabledSslProtocols = SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => material.Trusts(certificate, chain),
        };
    }

    /// <summary>A peer certificate's identity: its first URI name (e.g. a SPIFFE id), else its DNS name, else its subject.</summary>
    public static string IdentityOf(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return "(none)";
        }

        using var certificate2 = new X509Certificate2(certificate);
        var uri = certificate2.GetNameInfo(X509NameType.UrlName, forIssuer: false);
        if (!string.IsNullOrEmpty(uri))
        {
            return uri;
        }

        var dns = certificate2.GetNameInfo(X509NameType.DnsName, forIssuer: false);
        return string.IsNullOrEmpty(dns) ? certificate2.Subject : dns;
    }

    /// <summary>
    /// Why this node cannot make TLS links right now (its files missing, unreadable, not a certificate with its key, or the
    /// certificate outside its validity period at <paramref name="now"/>), or null when it can. Re-reads changed files.
    /// </summary>
    public string? Problem(DateTimeOffset now)
    {
        Material material;
        try
        {
            material = Current();
        }
        catch (AuthenticationException ex)
        {
            return ex.Message;
        }

        if (now < material.NotBefore)
        {
            return $"the certificate in MeshOptions.Tls.CertificatePath ({certificatePath}) is not valid before {material.NotBefore:O}";
        }

        return now > material.NotAfter
            ? $"the certificate in MeshOptions.Tls.CertificatePath ({certificatePath}) expired at {material.NotAfter:O}"
            : null;
    }

    private Material Current()
    {
        var stamp = (File.GetLastWriteTimeUtc(certificatePath), File.GetLastWriteTimeUtc(privateKeyPath), File.GetLastWriteTimeUtc(authorityPath));
        lock (_gate)
        {
            if (_material is { } material && material.Stamp == stamp)
            {
                return material;
            }

            try
            {
                _material = Material.Load(certificatePath, privateKeyPath, authorityPath, stamp);
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                // Files caught mid-rotation (a new certificate next to the old key, say): keep linking with the last good
                // ones; the next link tries again. Without any, the link fails like a refused handshake and is retried.
                if (_material is { } previous)
                {
                    return previous;
                }

                throw new AuthenticationException($"the link's certificate could not be loaded from MeshOptions.Tls ({certificatePath}, {privateKeyPath}, {authorityPath}): {ex.Message}", ex);
            }

            return _material;
        }
    }

    private sealed class Material(SslStreamCertificateContext context, X509Certificate2Collection authorities, (DateTime, DateTime, DateTime) stamp)
    {
        public SslStreamCertificateContext Context => context;

        public DateTimeOffset NotBefore { get; } = context.TargetCertificate.NotBefore.ToUniversalTime();

        public DateTimeOffset NotAfter { get; } = context.TargetCertificate.NotAfter.ToUniversalTime();

        public (DateTime, DateTime, DateTime) Stamp => stamp;

        public static Material Load(string certificatePath, string privateKeyPath, string authorityPath, (DateTime, DateTime, DateTime) stamp)
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, privateKeyPath);

            // A key made from PEM is ephemeral; TLS on some platforms needs it in a PKCS#12 form.
            var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(certificatePath);
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(authorityPath);
            if (authorities.Count == 0)
            {
                throw new CryptographicException($"no certificate authority in {authorityPath}");
            }

            // A key can be read whatever its certificate; the certificate must also chain to the mesh's authorities, or
            // every peer would refuse it.
            using (var own = new X509Chain())
            {
                own.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                own.ChainPolicy.CustomTrustStore.AddRange(authorities);
                own.ChainPolicy.ExtraStore.AddRange(chain);
                own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                own.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
                if (!own.Build(certificate))
                {
                    throw new CryptographicException($"the certificate does not chain to an authority in {authorityPath}");
                }
            }
            var intermediates = new X509Certificate2Collection();
            foreach (var extra in chain)
            {
                if (extra.Thumbprint != certificate.Thumbprint)
                {
                    intermediates.Add(extra);
                }
            }

            return new Material(SslStreamCertificateContext.Create(certificate, intermediates, offline: true), authorities, stamp);
        }

        /// <summary>
        /// Whether <paramref name="certificate"/> chains to one of the authorities, through the intermediates the peer sent
        /// (<paramref name="presented"/>); names do not matter.
        /// </summary>
        public bool Trusts(X509Certificate? certificate, X509Chain? presented)
        {
            if (certificate is null)
            {
                return false;
            }

            using var peer = new X509Certificate2(certificate);
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presented is not null)
            {
                foreach (var element in presented.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            return chain.Build(peer);
        }
    }
}
