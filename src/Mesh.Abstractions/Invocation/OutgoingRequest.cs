namespace Mesh.Invocation;

/// <summary>
/// A call being prepared by a generated proxy: the proxy writes the arguments, in declaration order, then
/// hands the request to <see cref="IMeshInvoker"/>. The request owns pooled memory; if the proxy does not
/// invoke it, it must dispose it.
/// </summary>
public abstract class OutgoingRequest : IDisposable
{
    /// <summary>The method being called.</summary>
    public abstract MeshMethod Method { get; }

    /// <summary>Serializes the next argument.</summary>
    public abstract void WriteArgument<T>(T value);

    /// <summary>
    /// The routing hash of the call's key (<see cref="MeshKey"/>) for a keyed service, set by the generated proxy;
    /// <see langword="null"/> for a call that any node may take.
    /// </summary>
    public ulong? RoutingKey { get; set; }

    /// <summary>Returns the request's memory to its pool without sending it.</summary>
    public abstract void Dispose();
}
