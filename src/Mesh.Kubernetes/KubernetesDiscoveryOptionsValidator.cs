using Microsoft.Extensions.Options;

namespace Mesh.Kubernetes;

/// <summary>Fails start-up with a message naming the option when <see cref="KubernetesDiscoveryOptions"/> is invalid.</summary>
internal sealed class KubernetesDiscoveryOptionsValidator : IValidateOptions<KubernetesDiscoveryOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesDiscoveryOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            errors.Add("KubernetesDiscoveryOptions.ServiceName must name the Service whose EndpointSlices list the mesh's Pods.");
        }

        if (options.Namespace is { } ns && string.IsNullOrWhiteSpace(ns))
        {
            errors.Add("KubernetesDiscoveryOptions.Namespace must not be blank; leave it null for the Pod's own namespace.");
        }

        if (string.IsNullOrWhiteSpace(options.PortName))
        {
            errors.Add("KubernetesDiscoveryOptions.PortName must name the Service's mesh port (e.g. 'mesh').");
        }

        if (options.WatchTimeout < TimeSpan.FromSeconds(1))
        {
            errors.Add($"KubernetesDiscoveryOptions.WatchTimeout must be at least 1 s; it is {options.WatchTimeout}.");
        }

        if (options.WatchdogMargin <= TimeSpan.Zero)
        {
            errors.Add($"KubernetesDiscoveryOptions.WatchdogMargin must be positive; it is {options.WatchdogMargin}.");
        }

        if (options.ResyncInterval <= TimeSpan.Zero)
        {
            errors.Add($"KubernetesDiscoveryOptions.ResyncInterval must be positive; it is {options.ResyncInterval}.");
        }

        if (options.MinBackoff <= TimeSpan.Zero || options.MaxBackoff < options.MinBackoff)
        {
            errors.Add("KubernetesDiscoveryOptions.MinBackoff must be positive and not more than KubernetesDiscoveryOptions.MaxBackoff.");
        }

        if (options.PreferredAddressFamily is not (System.Net.Sockets.AddressFamily.InterNetwork or System.Net.Sockets.AddressFamily.InterNetworkV6))
        {
            errors.Add($"KubernetesDiscoveryOptions.PreferredAddressFamily must be InterNetwork (IPv4) or InterNetworkV6 (IPv6); it is {options.PreferredAddressFamily}.");
        }

        if (options.PageSize is < 1 or > 10_000)
        {
            errors.Add($"KubernetesDiscoveryOptions.PageSize must be between 1 and 10000; it is {options.PageSize}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
