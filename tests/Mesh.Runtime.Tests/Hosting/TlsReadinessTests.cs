using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Hosting;

/// <summary>Readiness follows the node's TLS material (<see cref="IMeshNode.TlsFailure"/>): what a readiness probe reads.</summary>
public sealed class TlsReadinessTests
{
    [Fact]
    public async Task IsReady_CertificateFileInvalidAtStart_FalseUntilAValidOneIsWritten()
    {
        using var certificates = new TestCertificates();
        var (certificate, _) = certificates.Issue("node-1");
        await File.WriteAllTextAsync(certificate, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        await using var node = await StartWithFilesAsync(certificate, Path.ChangeExtension(certificate, ".key"), certificates.AuthorityPath);
        var mesh = node.Host.Services.GetRequiredService<IMeshNode>();

        Assert.Equal(MeshNodeState.Running, mesh.State);
        Assert.False(mesh.IsReady);
        Assert.Contains("MeshOptions.Tls", mesh.TlsFailure, StringComparison.Ordinal);

        // The Secret's files arrive (or are fixed): the next probe sees them.
        certificates.Issue("node-1");
        File.SetLastWriteTimeUtc(certificate, DateTime.UtcNow.AddSeconds(1));

        Assert.Null(mesh.TlsFailure);
        Assert.True(mesh.IsReady);
    }

    [Fact]
    public async Task IsReady_CertificateExpired_FalseNamingTheExpiry()
    {
        using var certificates = new TestCertificates();
        var (certificate, key) = certificates.Issue("node-1", notAfter: DateTimeOffset.UtcNow.AddMinutes(-1));
        await using var node = await StartWithFilesAsync(certificate, key, certificates.AuthorityPath);
        var mesh = node.Host.Services.GetRequiredService<IMeshNode>();

        Assert.False(mesh.IsReady);
        Assert.Contains("expired", mesh.TlsFailure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsReady_CertificateOfAnotherAuthority_FalseNamingTheAuthority()
    {
        using var certificates = new TestCertificates();
        using var strangers = new TestCertificates("stranger-ca");
        var (certificate, key) = strangers.Issue("node-1");
        await using var node = await StartWithFilesAsync(certificate, key, certificates.AuthorityPath);
        var mesh = node.Host.Services.GetRequiredService<IMeshNode>();

        Assert.False(mesh.IsReady);
        Assert.Contains("does not chain", mesh.TlsFailure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsReady_ValidCertificates_True()
    {
        using var certificates = new TestCertificates();
        await using var node = await TestNode.StartAsync("node-1", mesh => mesh.Services.Configure<MeshOptions>(o => certificates.Use(o, "node-1")));
        var mesh = node.Host.Services.GetRequiredService<IMeshNode>();

        Assert.Null(mesh.TlsFailure);
        Assert.True(mesh.IsReady);
    }

    /// <summary>Node "node-1" with TLS from the files given, whatever they hold.</summary>
    private static Task<TestNode> StartWithFilesAsync(string certificate, string key, string authority)
        => TestNode.StartAsync("node-1", mesh => mesh.Services.Configure<MeshOptions>(o =>
        {
            o.Tls.CertificatePath = certificate;
            o.Tls.PrivateKeyPath = key;
            o.Tls.CertificateAuthorityPath = authority;
        }));
}
