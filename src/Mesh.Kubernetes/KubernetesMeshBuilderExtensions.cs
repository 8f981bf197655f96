using Mesh.Kubernetes;
using Mesh.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh;

/// <summary>Kubernetes discovery for a Mesh node.</summary>
public static class KubernetesMeshBuilderExtensions
{
    /// <summary>
    /// Discovers peers from the EndpointSlices of a Service (list + watch of <c>discovery.k8s.io/v1</c>
    /// EndpointSlices labelled <c>kubernetes.io/service-name</c>): ready endpoints take calls, terminating ones
    /// that still serve are used only when no ready peer is left, the rest are unlinked after their calls
    /// finish. Configuration is in-cluster when running in a Pod, otherwise a kubeconfig. Needs <c>list</c>
    /// and <c>watch</c> on <c>endpointslices</c> in the namespace. Replaces static discovery.
    /// </summary>
    public static IMeshBuilder UseKubernetesDiscovery(this IMeshBuilder builder, Action<KubernetesDiscoveryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<KubernetesDiscoveryOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesDiscoveryOptions>, KubernetesDiscoveryOptionsValidator>());
        services.TryAddSingleton<EndpointSliceDiscovery>();
        services.RemoveAll<IPeerDiscovery>();
        services.AddSingleton<IPeerDiscovery>(sp => sp.GetRequiredService<EndpointSliceDiscovery>());
        return builder;
    }

    /// <summary>
    /// Discovers peers from the EndpointSlices of <paramref name="serviceName"/>, port <c>mesh</c>, in the Pod's
    /// own namespace. See <see cref="UseKubernetesDiscovery(IMeshBuilder, Action{KubernetesDiscoveryOptions})"/>.
    /// </summary>
    public static IMeshBuilder UseKubernetesDiscovery(this IMeshBuilder builder, string serviceName)
        => builder.UseKubernetesDiscovery(options => options.ServiceName = serviceName);
}
