namespace Mesh.Invocation;

/// <summary>
/// A call received by a node, as a generated dispatcher sees it: it reads the arguments in declaration
/// order, calls the implementation and writes the result.
/// </summary>
public abstract class IncomingRequest
{
    /// <summary>The id of the method being called.</summary>
    public abstract uint MethodId { get; }

    /// <summary>Deserializes the next argument.</summary>
    /// <exception cref="InvalidOperationException">The caller sent fewer arguments.</exception>
    public abstract T ReadArgument<T>();

    /// <summary>
    /// Deserializes the next argument, or returns <paramref name="defaultValue"/> when the caller sent
    /// fewer arguments (an older caller that does not know a parameter added with a default value).
    /// </summary>
    public abstract T ReadArgumentOrDefault<T>(T defaultValue);

    /// <summary>Serializes the method's result.</summary>
    public abstract void WriteResult<T>(T value);

    /// <summary>
    /// Sends the items of a stream method's result to the caller as the caller's credit allows, and completes when the
    /// last one is sent (or fails when <paramref name="items"/> throws or the caller goes away).
    /// </summary>
    /// <exception cref="NotSupportedException">This request does not carry streams.</exception>
    public virtual ValueTask WriteStreamAsync<T>(IAsyncEnumerable<T> items, CancellationToken cancellationToken)
        => throw new NotSupportedException($"{GetType().FullName} does not carry streams.");
}
