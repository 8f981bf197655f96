namespace Mesh;

/// <summary>
/// Marks an interface as a balanced service. The Mesh source generator emits a client proxy, a server
/// dispatcher and DI registration for it; every call made through the proxy is balanced across the
/// nodes that host the service.
/// </summary>
/// <remarks>
/// Methods must return <see cref="Task"/>, <see cref="Task{TResult}"/>, <see cref="ValueTask"/> or
/// <see cref="ValueTask{TResult}"/>, take their parameters by value and may end with a
/// <see cref="CancellationToken"/>.
/// </remarks>
[AttributeUsage(AttributeTargets.Interface, Inherited = false, AllowMultiple = false)]
public sealed class BalancedServiceAttribute : Attribute
{
    /// <summary>
    /// The service's name on the wire. Defaults to the interface's full name (namespace and type name,
    /// containing types separated by '.', generic arity omitted), e.g. <c>Shop.IInventory</c>.
    /// Changing it is a breaking change for running peers.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// Whether the service is keyed: each method takes one parameter marked <see cref="KeyAttribute"/>, and every
    /// call goes to the node that owns its key on a consistent-hash ring while that node's load is within
    /// <c>MeshOptions.KeyedLoadBound</c> of the average, else to the next node on the ring that is. Keys keep their
    /// node when others join or leave, so state a node keeps per key stays warm.
    /// </summary>
    public bool Keyed { get; set; }
}
