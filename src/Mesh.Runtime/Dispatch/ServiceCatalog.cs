using System.Collections.Frozen;

namespace Mesh.Dispatch;

/// <summary>The services this node hosts, by wire id.</summary>
internal sealed class ServiceCatalog
{
    private readonly FrozenDictionary<uint, HostedService> _byId;

    public ServiceCatalog(IEnumerable<HostedService> services)
    {
        var list = services.ToList();
        var duplicate = list.GroupBy(s => s.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Services {string.Join(", ", duplicate.Select(s => $"'{s.Name}'"))} have the same wire id; give one a different [BalancedService(Name = ...)].");
        }

        _byId = list.ToFrozenDictionary(s => s.Id);
        Services = list;
    }

    public IReadOnlyList<HostedService> Services { get; }

    public HostedService? Find(uint serviceId) => _byId.GetValueOrDefault(serviceId);
}
