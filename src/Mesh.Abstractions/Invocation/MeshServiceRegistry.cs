using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Mesh.Invocation;

/// <summary>
/// The definitions of every balanced service in loaded assemblies. Generated code registers its
/// definitions from a module initializer; the runtime looks them up by interface.
/// </summary>
/// <remarks>
/// The module initializer of an assembly compiled with the Mesh generator registers the definitions of that
/// assembly and of every assembly it references, so once code of an assembly runs, the services it can see
/// are all here.
/// </remarks>
public static class MeshServiceRegistry
{
    private static readonly ConcurrentDictionary<Type, ServiceDefinition> Definitions = new();

    /// <summary>Registers a definition (called by generated code).</summary>
    public static void Register(ServiceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Definitions.TryAdd(definition.ServiceType, definition);
    }

    /// <summary>Gets the generated definition of <typeparamref name="TService"/>.</summary>
    /// <exception cref="InvalidOperationException">No definition was generated for the interface.</exception>
    public static ServiceDefinition<TService> Get<TService>()
        where TService : class
    {
        if (!Definitions.TryGetValue(typeof(TService), out var definition))
        {
            // The generated module initializer of the interface's assembly may not have run yet.
            RuntimeHelpers.RunModuleConstructor(typeof(TService).Module.ModuleHandle);
            Definitions.TryGetValue(typeof(TService), out definition);
        }

        return definition as ServiceDefinition<TService>
            ?? throw new InvalidOperationException(
                $"No Mesh service definition exists for '{typeof(TService).FullName}'. Mark the interface with " +
                "[BalancedService] and make sure its project references Mesh.Generators as an analyzer.");
    }

    /// <summary>Every registered definition, ordered by wire name.</summary>
    internal static IReadOnlyList<ServiceDefinition> GetAll()
        => [.. Definitions.Values.OrderBy(static definition => definition.Name, StringComparer.Ordinal)];
}
