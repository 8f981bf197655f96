using Mesh.Dispatch;

namespace Mesh.Hosting;

/// <summary>The services a node hosts, as registered through <see cref="IMeshBuilder"/>.</summary>
internal sealed class MeshServiceRegistrations
{
    private readonly List<Func<IServiceProvider, HostedService>> _hosted = [];
    private readonly HashSet<Type> _hostedTypes = [];

    public int HostedCount => _hosted.Count;

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
