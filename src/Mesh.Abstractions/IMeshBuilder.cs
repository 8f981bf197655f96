using Mesh.Invocation;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh;

/// <summary>Configures a Mesh node: the services it hosts and the clients it injects.</summary>
public interface IMeshBuilder
{
    /// <summary>The application's service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>Registers the generated client proxy of a service as <typeparamref name="TService"/>.</summary>
    IMeshBuilder AddClient<TService>(ServiceDefinition<TService> definition)
        where TService : class;
}
