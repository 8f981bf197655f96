using Mesh.Dispatch;

namespace Mesh.Hosting;

/// <summary>The services a node hosts, and whether it calls any, as registered through <see cref="IMeshBuilder"/>.</summary>
internal sealed class MeshServiceRegistrations
{
    private readonly List<Func<IServiceProvider, HostedService>> _hosted = [];
    private readonly HashSet<Type> _hostedTypes = [];
    private readonly HashSet<string> _called = new(StringComparer.Ordinal);

    public int HostedCount => _hosted.Count;

    /// <summary>
    /// True once a client proxy is registered (<c>AddClient</c>): only then does the node make calls, and so
    /// link to the peers discovery finds. A node that only serves keeps no links of its own (N back-ends that
    /// never call each other would otherwise hold N² links they never use).
    /// </summary>
    public bool Calls => _called.Count > 0;

    /// <summary>The names of the services this node calls: it links only to peers hosting one of them.</summary>
    public IReadOnlyCollection<string> CalledServices => _called;

    public void AddCaller(string serviceName) => _called.Add(serviceName);

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
