using k8s;

namespace Mesh.Kubernetes;

/// <summary>Finds the client configuration: explicit, in-cluster, or a kubeconfig file.</summary>
internal static class KubernetesConfiguration
{
    public static KubernetesClientConfiguration Resolve(KubernetesDiscoveryOptions options)
    {
        if (options.Configuration is { } explicitConfiguration)
        {
            return explicitConfiguration;
        }

        if (options.KubeConfigPath is null && KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        var path = options.KubeConfigPath ?? KubeConfigFromEnvironment() ?? DefaultKubeConfig();
        if (path is null || !File.Exists(path))
        {
            throw new InvalidOperationException(
                "Kubernetes discovery found no cluster: not running in a Pod (KUBERNETES_SERVICE_HOST is unset) and no kubeconfig at " +
                $"'{path ?? "~/.kube/config"}'. Set KubernetesDiscoveryOptions.KubeConfigPath, $KUBECONFIG, or KubernetesDiscoveryOptions.Configuration; " +
                "or use UseStaticPeers(...) outside a cluster.");
        }

        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, options.KubeConfigContext);
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or InvalidOperationException or YamlDotNet.Core.YamlException)
        {
            throw new InvalidOperationException($"KubernetesDiscoveryOptions.KubeConfigPath: the kubeconfig '{path}' cannot be used: {ex.Message}", ex);
        }
    }

    private static string? KubeConfigFromEnvironment()
        => Environment.GetEnvironmentVariable("KUBECONFIG")?
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault();

    private static string? DefaultKubeConfig()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".kube", "config");
    }
}
