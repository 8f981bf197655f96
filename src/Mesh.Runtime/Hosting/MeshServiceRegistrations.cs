using Mesh.Dispatch;

namespace Mesh.Hosting;

/// <summary>The services a node hosts, and whether it calls any, as registered through <see cref="IMeshBuilder"/>.</summary>
internal sealed class MeshServiceRegistrations
{
    private readonly List<Func<IServiceProvider, HostedService>> _hosted = [];
    private readonly HashSet<Type> _hostedTypes = [];
    private readonly HashSet<string> _called = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keyed = new(StringComparer.Ordinal);

    public int HostedCount => _hosted.Count;

    /// <summary>
    /// True once a client proxy is registered (<c>AddClient</c>): only then does the node make calls, and so
    /// link to the peers discovery finds. A node that only serves keeps no links of its own (N back-ends that
    /// never call each other would otherwise hold N² links they never use).
    /// </summary>
    public bool Calls => _called.Count > 0;

    /// <summary>The names of the services this node calls: it links only to peers hosting one of them.</summary>
    public IReadOnlyCollection<string> CalledServices => _called;

    /// <summary>The called services that are keyed: every caller must see all their hosts to agree on a key's owner.</summary>
    public IReadOnlyCollection<string> KeyedServices => _keyed;

    public void AddCaller(string serviceName, Type serviceType)
    {
        _called.Add(serviceName);
        if (serviceType.GetCustomAttributes(typeof(BalancedServiceAttribute), inherit: false) is [BalancedServiceAttribute { Keyed: true }, ..])
        {
            _keyed.Add(serviceName);
        }
    }

    public bool TryAdd(Type serviceType, Func<IServiceProvider, HostedService> factory)
    {
        if (!_hostedTypes.Add(serviceType))
        {
            return false;
        }

        _hosted.Add(factory);
        return true;
    }

    public IEnumerable<HostedService> Create(IServiceProvider services) => _hosted.Select(factory => factory(services));
}
