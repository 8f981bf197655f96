using System.Collections.Frozen;
using Mesh.Invocation;
using Mesh.Transport;

namespace Mesh.Dispatch;

/// <summary>A service this node hosts: its definition and how to reach the implementation.</summary>
internal abstract class HostedService(ServiceDefinition definition)
{
    private readonly FrozenDictionary<uint, string> _methodNames = definition.Methods.DistinctBy(m => m.Id).ToFrozenDictionary(m => m.Id, m => m.Name);

    private readonly FrozenDictionary<uint, int> _parameterCounts = definition.Methods
        .DistinctBy(m => m.Id)
        .Where(m => ArgumentLayout.ParameterCount(m.Contract) is not null)
        .ToFrozenDictionary(m => m.Id, m => ArgumentLayout.ParameterCount(m.Contract)!.Value);

    public string Name => definition.Name;

    /// <summary>How many arguments this build's method <paramref name="id"/> reads, or null when unknown (no contract).</summary>
    public int? ParameterCount(uint id) => _parameterCounts.TryGetValue(id, out var count) ? count : null;

    /// <summary>The name of method <paramref name="id"/>, or <c>unknown</c> (a bounded tag value for metrics and spans).</summary>
    public string MethodName(uint id) => _methodNames.TryGetValue(id, out var name) ? name : "unknown";

    public uint Id { get; } = StableHash.Compute(definition.Name);

    public HostedServiceInfo Info { get; } = new(definition.Name, [.. definition.Methods.Select(m => m.Id)]);

    public abstract ValueTask DispatchAsync(IncomingRequest request, CancellationToken cancellationToken);
}

/// <summary>A hosted service whose implementation is resolved once from the container.</summary>
internal sealed class HostedService<TService>(ServiceDefinition<TService> definition, Func<TService> resolve)
    : HostedService(definition)
    where TService : class
{
    private TService? _target;

    public override ValueTask DispatchAsync(IncomingRequest request, CancellationToken cancellationToken)
        => definition.DispatchAsync(_target ??= resolve(), request, cancellationToken);
}
