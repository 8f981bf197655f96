using System.Diagnostics;
using Mesh.Calls;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Hosting;

/// <summary>deploy/dev-ca.sh (the documented command that makes a development CA) writes files the runtime accepts.</summary>
public sealed class DevCaScriptTests
{
    [Fact]
    public async Task DevCaScript_CertificatesItIssues_NodesLinkWithTheirSpiffeIds()
    {
        var folder = Directory.CreateTempSubdirectory("mesh-dev-ca-").FullName;
        try
        {
            var (exitCode, output) = await RunAsync(folder, "spiffe://cluster.local/ns/test/sa/node-1", "spiffe://cluster.local/ns/test/sa/caller");
            Assert.True(exitCode == 0, output);

            await using var cluster = await TestCluster.StartAsync(
                servers: 1,
                configureClient: o => Use(o, Path.Combine(folder, "caller")),
                configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => Use(o, Path.Combine(folder, "node-1"))));

            Assert.Equal(5, await cluster.ClientService<ITestService>().Add(2, 3).AsTask().WaitAsync(TestCluster.Bound));
            Assert.Equal("spiffe://cluster.local/ns/test/sa/node-1", Assert.Single(cluster.ClientService<PeerDirectory>().Links).PeerIdentity);
            var server = cluster.Servers[0].Host.Services.GetRequiredService<IMeshNode>();
            Assert.Null(server.TlsFailure);
            Assert.True(server.IsReady);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task DevCaScript_IdentityNotAUri_FailsSayingSo()
    {
        var folder = Directory.CreateTempSubdirectory("mesh-dev-ca-").FullName;
        try
        {
            var (exitCode, output) = await RunAsync(folder, "node-1");

            Assert.NotEqual(0, exitCode);
            Assert.Contains("is not a URI", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Use(MeshOptions options, string folder)
    {
        options.Tls.CertificatePath = Path.Combine(folder, "tls.crt");
        options.Tls.PrivateKeyPath = Path.Combine(folder, "tls.key");
        options.Tls.CertificateAuthorityPath = Path.Combine(folder, "ca.crt");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string folder, params string[] identities)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "deploy", "dev-ca.sh"));
        start.ArgumentList.Add(folder);
        foreach (var identity in identities)
        {
            start.ArgumentList.Add(identity);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TestCluster.Bound);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mesh.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Mesh.sln not found above " + AppContext.BaseDirectory);
    }
}
