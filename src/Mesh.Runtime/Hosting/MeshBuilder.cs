using Mesh.Invocation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Hosting;

internal sealed class MeshBuilder(IServiceCollection services, MeshServiceRegistrations registrations) : IMeshBuilder
{
    public IServiceCollection Services => services;

    public MeshServiceRegistrations Registrations => registrations;

    public IMeshBuilder AddClient<TService>(ServiceDefinition<TService> definition)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(definition);
        registrations.AddCaller(definition.Name, definition.ServiceType);
        services.TryAddSingleton(sp => definition.CreateProxy(sp.GetRequiredService<IMeshInvoker>()));
        return this;
    }

    /// <summary>Registers the client of a service this node hosts, without making the node a caller.</summary>
    public void AddHostedServiceClient<TService>(ServiceDefinition<TService> definition)
        where TService : class
        => services.TryAddSingleton(sp => definition.CreateProxy(sp.GetRequiredService<IMeshInvoker>()));

    /// <summary>Registers the client proxy of <paramref name="definition"/>'s service, unless one is registered.</summary>
    public void AddClient(ServiceDefinition definition)
    {
        registrations.AddCaller(definition.Name, definition.ServiceType);
        services.TryAdd(ServiceDescriptor.Singleton(
            definition.ServiceType,
            sp => definition.CreateUntypedProxy(sp.GetRequiredService<IMeshInvoker>())));
    }
}
