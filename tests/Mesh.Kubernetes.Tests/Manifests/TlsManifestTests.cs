using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Mesh.Kubernetes.Tests.Manifests;

/// <summary>The manifests' certificates: the Secret mounted read-only, MeshOptions.Tls pointed at it, and cert-manager's overlay issuing it.</summary>
public sealed class TlsManifestTests
{
    private const string Overlay = "deploy/overlays/cert-manager";
    private static readonly List<V1Deployment> Deployments = [.. Manifests.Load("samples/Shop/deploy").OfType<V1Deployment>()];

    [Fact]
    public void Deployments_MountTheCertificateSecretReadOnlyAndPointMeshOptionsTlsAtIt()
    {
        Assert.Equal(2, Deployments.Count);
        foreach (var deployment in Deployments)
        {
            var pod = deployment.Spec.Template.Spec;
            var container = Assert.Single(pod.Containers);
            var mount = Assert.Single(container.VolumeMounts, m => m.MountPath == "/etc/mesh/tls");
            Assert.True(mount.ReadOnlyProperty, $"{deployment.Metadata.Name}: the certificate mount must be read-only");
            var volume = Assert.Single(pod.Volumes, v => v.Name == mount.Name);
            Assert.Equal("mesh-tls", volume.Secret.SecretName);
            Assert.NotEqual(true, volume.Secret.Optional);

            // The key is readable by the non-root user through its group, by nobody else.
            Assert.Equal(Convert.ToInt32("440", 8), volume.Secret.DefaultMode);
            Assert.Equal(pod.SecurityContext.RunAsGroup, pod.SecurityContext.FsGroup);

            var env = container.Env.ToDictionary(e => e.Name, e => e.Value);
            Assert.Equal("/etc/mesh/tls/tls.crt", env["Mesh__Tls__CertificatePath"]);
            Assert.Equal("/etc/mesh/tls/tls.key", env["Mesh__Tls__PrivateKeyPath"]);
            Assert.Equal("/etc/mesh/tls/ca.crt", env["Mesh__Tls__CertificateAuthorityPath"]);
            Assert.DoesNotContain("Mesh__AllowPlaintext", env.Keys);
        }
    }

    [Fact]
    public void CertManagerOverlay_IssuesTheMountedSecretWithASpiffeUriFromTheMeshCa()
    {
        Assert.Contains("../../base", Manifests.Kustomization(Overlay, "resources"));
        var objects = LoadUntyped(Overlay);
        var certificates = objects.Where(o => Text(o, "kind") == "Certificate").ToList();
        var issuers = objects.Where(o => Text(o, "kind") == "Issuer").ToDictionary(o => Text(o, "metadata", "name")!);

        var mounted = Assert.Single(Deployments, d => d.Metadata.Name == "mesh-node").Spec.Template.Spec.Volumes.Single(v => v.Secret is not null).Secret.SecretName;
        var node = Assert.Single(certificates, c => Text(c, "spec", "secretName") == mounted);
        var uri = Assert.Single(Sequence(node, "spec", "uris"));
        Assert.Matches("^spiffe://cluster\\.local/ns/[a-z0-9-]+/sa/mesh$", uri);
        Assert.Contains("server auth", Sequence(node, "spec", "usages"));
        Assert.Contains("client auth", Sequence(node, "spec", "usages"));
        Assert.Equal("Always", Text(node, "spec", "privateKey", "rotationPolicy"));

        // The node certificate's issuer is a CA Issuer whose key is the mesh CA certificate's, itself issued by an Issuer
        // of the overlay: applying the overlay needs nothing but cert-manager.
        var issuer = issuers[Text(node, "spec", "issuerRef", "name")!];
        var caSecret = Text(issuer, "spec", "ca", "secretName");
        var ca = Assert.Single(certificates, c => Text(c, "spec", "secretName") == caSecret);
        Assert.Equal("true", Text(ca, "spec", "isCA"));
        Assert.Contains(Text(ca, "spec", "issuerRef", "name")!, issuers.Keys);

        // The namespace of the SPIFFE id is the one the overlay deploys to.
        var ns = ((YamlScalarNode)Root(Overlay)["namespace"]).Value;
        Assert.Contains($"/ns/{ns}/", uri, StringComparison.Ordinal);
    }

    internal static List<YamlMappingNode> LoadUntyped(string directory)
    {
        var objects = new List<YamlMappingNode>();
        foreach (var resource in Manifests.Kustomization(directory, "resources"))
        {
            var path = Path.GetFullPath(Path.Combine(Manifests.Path(directory), resource));
            if (Directory.Exists(path))
            {
                continue;
            }

            var yaml = new YamlStream();
            using var reader = new StreamReader(path);
            yaml.Load(reader);
            objects.AddRange(yaml.Documents.Select(d => (YamlMappingNode)d.RootNode));
        }

        return objects;
    }

    private static YamlMappingNode Root(string directory)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Manifests.Path(directory), "kustomization.yaml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlNode? Node(YamlMappingNode node, params string[] path)
    {
        YamlNode? current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out current))
            {
                return null;
            }
        }

        return current;
    }

    private static string? Text(YamlMappingNode node, params string[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    private static List<string> Sequence(YamlMappingNode node, params string[] path)
        => [.. ((YamlSequenceNode)Node(node, path)!).Children.Select(c => ((YamlScalarNode)c).Value!)];
}
