using System.Diagnostics;

namespace Mesh.Kubernetes.Tests.Manifests;

/// <summary>
/// The manifests against current schemas, not only the 1.26 API server: every object of deploy/base,
/// samples/Shop/deploy and deploy/overlays/cert-manager is validated (types, required fields, enumerations, formats)
/// with the JSON schemas of npm's <c>kubernetes-models</c> 5.1.0 (the Kubernetes 1.34 API: it has 1.34's container
/// restartPolicyRules and resource.k8s.io/v1, not 1.35's workloadRef) and, for cert-manager's Issuer and Certificate
/// (no CRD exists on the test API server), <c>@kubernetes-models/cert-manager</c> 6.0.0, both installed from npm at
/// test time (versions pinned by SchemaCheck/package-lock.json). Unknown fields of Kubernetes' own kinds are caught by
/// the strict typed load of the other manifest tests; these schemas do not catch unknown fields.
/// </summary>
public sealed class ManifestSchemaTests : IClassFixture<ManifestSchemaTests.SchemaChecker>
{
    private readonly SchemaChecker _checker;

    public ManifestSchemaTests(SchemaChecker checker) => _checker = checker;

    [Fact]
    public async Task Manifests_CurrentKubernetesAndCertManagerSchemas_EveryObjectValid()
    {
        var files = new[] { "deploy/base", "samples/Shop/deploy", "deploy/overlays/cert-manager" }
            .SelectMany(directory => Manifests.Kustomization(directory, "resources")
                .Select(resource => Path.GetFullPath(Path.Combine(Manifests.Path(directory), resource)))
                .Where(File.Exists))
            .ToArray();

        var (exitCode, lines) = await _checker.RunAsync(files);

        Assert.True(exitCode == 0, string.Join('\n', lines));
        Assert.Equal(14, lines.Count(line => line.StartsWith("ok ", StringComparison.Ordinal)));
        Assert.Contains("ok cert-manager.io/v1 Certificate mesh-tls", lines);
        Assert.Contains("ok apps/v1 Deployment mesh-node", lines);
    }

    [Fact]
    public async Task SchemaCheck_ObjectsBreakingTheSchemas_Refused()
    {
        var folder = Directory.CreateTempSubdirectory("mesh-schema-").FullName;
        try
        {
            var deployment = Path.Combine(folder, "deployment.yaml");
            await File.WriteAllTextAsync(deployment, (await File.ReadAllTextAsync(Manifests.Path("deploy/base/deployment.yaml")))
                .Replace("containerPort: 7800", "containerPort: mesh-port", StringComparison.Ordinal));
            var certificate = Path.Combine(folder, "certificate.yaml");
            await File.WriteAllTextAsync(certificate, (await File.ReadAllTextAsync(Manifests.Path("deploy/overlays/cert-manager/certificate.yaml")))
                .Replace("- client auth", "- client-auth", StringComparison.Ordinal));

            var (exitCode, lines) = await _checker.RunAsync([deployment, certificate]);

            Assert.Equal(1, exitCode);
            Assert.Contains(lines, line => line.StartsWith("invalid apps/v1 Deployment mesh-node", StringComparison.Ordinal) && line.Contains("containerPort must be integer", StringComparison.Ordinal));
            Assert.Contains(lines, line => line.StartsWith("invalid cert-manager.io/v1 Certificate mesh-tls", StringComparison.Ordinal) && line.Contains("/spec/usages/2", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The checker (SchemaCheck/validate.mjs) with its pinned packages installed by <c>npm ci</c> into a temporary folder.</summary>
    public sealed class SchemaChecker : IAsyncLifetime
    {
        private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);
        private readonly string _folder = Directory.CreateTempSubdirectory("mesh-schema-check-").FullName;
        private (int ExitCode, string Output)? _install;

        public async Task InitializeAsync()
        {
            foreach (var file in new[] { "package.json", "package-lock.json", "validate.mjs" })
            {
                File.Copy(Manifests.Path(Path.Combine("tests/Mesh.Kubernetes.Tests/Manifests/SchemaCheck", file)), Path.Combine(_folder, file));
            }

            _install = await RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
        }

        public async Task<(int ExitCode, List<string> Lines)> RunAsync(IEnumerable<string> files)
        {
            Assert.True(_install is (0, _), $"npm ci of the schema packages failed: {_install?.Output}");
            var (exitCode, output) = await RunProcessAsync("node", [Path.Combine(_folder, "validate.mjs"), .. files]);
            return (exitCode, [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
        }

        public Task DisposeAsync()
        {
            Directory.Delete(_folder, recursive: true);
            return Task.CompletedTask;
        }

        private async Task<(int ExitCode, string Output)> RunProcessAsync(string command, IEnumerable<string> arguments)
        {
            var start = new ProcessStartInfo(command)
            {
                WorkingDirectory = _folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(Bound);
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
