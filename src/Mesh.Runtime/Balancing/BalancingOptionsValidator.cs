namespace Mesh.Balancing;

/// <summary>Checks the balancing and load-report options of <see cref="MeshOptions"/>.</summary>
internal static class BalancingOptionsValidator
{
    public static void Validate(MeshOptions options, List<string> errors)
    {
        var known = string.Join(", ", LoadBalancingPolicies.All.Select(p => $"'{p}'"));
        if (!LoadBalancingPolicyFactory.IsKnown(options.LoadBalancingPolicy))
        {
            errors.Add($"MeshOptions.LoadBalancingPolicy '{options.LoadBalancingPolicy}' is unknown; use one of {known}.");
        }

        foreach (var (service, policy) in options.ServiceLoadBalancingPolicies)
        {
            if (string.IsNullOrWhiteSpace(service))
            {
                errors.Add("MeshOptions.ServiceLoadBalancingPolicies has an empty service name.");
            }

            if (!LoadBalancingPolicyFactory.IsKnown(policy))
            {
                errors.Add($"MeshOptions.ServiceLoadBalancingPolicies['{service}'] = '{policy}' is unknown; use one of {known}.");
            }
        }

        if (options.LoadReportInterval < TimeSpan.FromMilliseconds(10) || options.LoadReportInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"MeshOptions.LoadReportInterval must be between 10 ms and 1 minute; it is {options.LoadReportInterval}.");
        }

        if (options.SlowStartWindow < TimeSpan.Zero || options.SlowStartWindow > TimeSpan.FromMinutes(10))
        {
            errors.Add($"MeshOptions.SlowStartWindow must be between 0 and 10 minutes; it is {options.SlowStartWindow}.");
        }

        if (options.LatencyDecay <= TimeSpan.Zero || options.LatencyDecay > TimeSpan.FromMinutes(10))
        {
            errors.Add($"MeshOptions.LatencyDecay must be positive and at most 10 minutes; it is {options.LatencyDecay}.");
        }

        if (options.LoadReportDecay <= TimeSpan.Zero || options.LoadReportDecay > TimeSpan.FromMinutes(10))
        {
            errors.Add($"MeshOptions.LoadReportDecay must be positive and at most 10 minutes; it is {options.LoadReportDecay}.");
        }

        if (!double.IsFinite(options.KeyedLoadBound) || options.KeyedLoadBound <= 0 || options.KeyedLoadBound > 100)
        {
            errors.Add($"MeshOptions.KeyedLoadBound must be greater than 0 and at most 100 (0.25 lets a key's owner carry 25 % more than the mean); it is {options.KeyedLoadBound}.");
        }

        if (!double.IsFinite(options.LoadReportWeight) || options.LoadReportWeight < 0 || options.LoadReportWeight > 100)
        {
            errors.Add($"MeshOptions.LoadReportWeight must be between 0 and 100; it is {options.LoadReportWeight}.");
        }
    }
}
