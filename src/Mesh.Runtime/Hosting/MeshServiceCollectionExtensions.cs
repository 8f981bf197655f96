using System.Diagnostics.CodeAnalysis;
using Mesh.Balancing;
using Mesh.Calls;
using Mesh.Diagnostics;
using Mesh.Dispatch;
using Mesh.Hosting;
using Mesh.Invocation;
using Mesh.Membership;
using Mesh.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace Mesh;

/// <summary>Adds a Mesh node to a generic host.</summary>
public static class MeshServiceCollectionExtensions
{
    /// <summary>
    /// Adds a Mesh node: it links to peers, balances every call made through generated clients, and hosts
    /// the services added with <see cref="AddService{TService, TImplementation}"/>. Options are validated
    /// when the host starts.
    /// </summary>
    public static IMeshBuilder AddMesh(this IServiceCollection services, Action<MeshOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(MeshBuilder))?.ImplementationInstance as MeshBuilder;
        var builder = existing ?? new MeshBuilder(services, new MeshServiceRegistrations());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (existing is not null)
        {
            return builder;
        }

        services.AddSingleton(builder);
        services.AddSingleton(builder.Registrations);
        services.AddOptions<MeshOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MeshOptions>, MeshOptionsValidator>());
        services.AddSerializer();
        services.AddMetrics();
        services.TryAddSingleton<MeshMetrics>();
        services.TryAddSingleton<IPayloadSerializer, OrleansPayloadSerializer>();
        services.TryAddSingleton<PeerDirectory>();
        services.TryAddSingleton<IPeerDiscovery, StaticPeerDiscovery>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Balancer>();
        services.TryAddSingleton<CallRouter>();
        services.TryAddSingleton<MeshInvoker>();
        services.TryAddSingleton<IMeshInvoker>(sp => sp.GetRequiredService<MeshInvoker>());
        services.TryAddSingleton<MeshNode>();
        services.TryAddSingleton<IMeshNode>(sp => sp.GetRequiredService<MeshNode>());
        services.AddHostedService<MeshHostedService>();
        return builder;
    }

    /// <summary>
    /// Hosts <typeparamref name="TImplementation"/> as the balanced service <typeparamref name="TService"/>
    /// on this node (a singleton), and registers the generated client for <typeparamref name="TService"/>. A node
    /// links to the peers discovery finds only when it calls (<see cref="AddClient{TService}"/> or
    /// <see cref="AddMeshClients"/>); one that only serves keeps no links of its own.
    /// </summary>
    public static IMeshBuilder AddService<TService, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TImplementation>(this IMeshBuilder builder)
        where TService : class
        where TImplementation : class, TService
    {
        ArgumentNullException.ThrowIfNull(builder);
        var definition = MeshServiceRegistry.Get<TService>();
        builder.Services.TryAddSingleton<TImplementation>();
        Registrations(builder).TryAdd(
            typeof(TService),
            sp => new HostedService<TService>(definition, () => sp.GetRequiredService<TImplementation>()));
        // The client is registered for injection, but hosting a service does not make the node a caller: only
        // AddClient does (a node calling replicas of its own service adds AddClient<TService>() too).
        ((MeshBuilder)builder).AddHostedServiceClient(definition);
        return builder;
    }

    /// <summary>Registers the generated client of <typeparamref name="TService"/> for injection.</summary>
    public static IMeshBuilder AddClient<TService>(this IMeshBuilder builder)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddClient(MeshServiceRegistry.Get<TService>());
    }

    /// <summary>
    /// Registers the generated client of every balanced service this code can see: the
    /// <c>[BalancedService]</c> interfaces of the calling assembly and of every assembly it references, when
    /// the calling assembly is compiled with the Mesh generator (the generated module initializer of an
    /// assembly registers its own definitions and those of its references), and of any other loaded assembly
    /// compiled with it. A client already registered for an interface is kept.
    /// </summary>
    public static IMeshBuilder AddMeshClients(this IMeshBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var mesh = builder as MeshBuilder
            ?? throw new InvalidOperationException("Use the IMeshBuilder returned by AddMesh.");
        foreach (var definition in MeshServiceRegistry.GetAll())
        {
            mesh.AddClient(definition);
        }

        return builder;
    }

    /// <summary>Links to a fixed list of peers (<c>host:port</c>); the local default discovery.</summary>
    public static IMeshBuilder UseStaticPeers(this IMeshBuilder builder, params IEnumerable<string> peers)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var list = peers.ToList();
        builder.Services.Configure<MeshOptions>(options =>
        {
            foreach (var peer in list)
            {
                options.StaticPeers.Add(peer);
            }
        });
        return builder;
    }

    private static MeshServiceRegistrations Registrations(IMeshBuilder builder)
        => builder is MeshBuilder mesh
            ? mesh.Registrations
            : throw new InvalidOperationException("Use the IMeshBuilder returned by AddMesh.");
}
