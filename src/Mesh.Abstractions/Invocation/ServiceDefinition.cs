namespace Mesh.Invocation;

/// <summary>
/// Everything the runtime needs to call and to host one balanced service; the source generator emits one
/// per <see cref="BalancedServiceAttribute"/> interface.
/// </summary>
public abstract class ServiceDefinition
{
    /// <summary>The service's wire name.</summary>
    public abstract string Name { get; }

    /// <summary>The service interface.</summary>
    public abstract Type ServiceType { get; }

    /// <summary>The service's methods.</summary>
    public abstract IReadOnlyList<MeshMethod> Methods { get; }

    /// <summary>Creates the generated client proxy, typed as <see cref="ServiceType"/>.</summary>
    internal abstract object CreateUntypedProxy(IMeshInvoker invoker);
}

/// <summary>The typed definition of the balanced service <typeparamref name="TService"/>.</summary>
/// <typeparam name="TService">The service interface.</typeparam>
public abstract class ServiceDefinition<TService> : ServiceDefinition
    where TService : class
{
    /// <inheritdoc />
    public sealed override Type ServiceType => typeof(TService);

    /// <summary>Creates the generated client proxy.</summary>
    public abstract TService CreateProxy(IMeshInvoker invoker);

    /// <inheritdoc />
    internal sealed override object CreateUntypedProxy(IMeshInvoker invoker) => CreateProxy(invoker);

    /// <summary>
    /// Dispatches <paramref name="request"/> to <paramref name="target"/>: reads the arguments, calls the
    /// method and writes its result.
    /// </summary>
    /// <exception cref="UnknownMethodException">The service has no method with the request's id.</exception>
    public abstract ValueTask DispatchAsync(TService target, IncomingRequest request, CancellationToken cancellationToken);
}
