namespace Mesh.Invocation;

/// <summary>
/// Sends calls made through generated proxies: picks a peer that hosts the service, sends the request and
/// completes with the response.
/// </summary>
public interface IMeshInvoker
{
    /// <summary>Starts a request for <paramref name="method"/>; the caller writes its arguments next.</summary>
    OutgoingRequest CreateRequest(MeshMethod method);

    /// <summary>Sends <paramref name="request"/> and completes when the method has returned.</summary>
    ValueTask InvokeAsync(OutgoingRequest request, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="request"/> and completes with the method's result.</summary>
    ValueTask<TResult> InvokeAsync<TResult>(OutgoingRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a server stream with <paramref name="request"/> when the result is first enumerated, and yields its items
    /// as the serving node sends them. The result may be enumerated once.
    /// </summary>
    /// <exception cref="NotSupportedException">This invoker does not open streams (the runtime's does).</exception>
    IAsyncEnumerable<TItem> InvokeStreamAsync<TItem>(OutgoingRequest request, CancellationToken cancellationToken)
    {
        request?.Dispose();
        throw new NotSupportedException($"{GetType().FullName} does not open streams; use the invoker of the Mesh runtime.");
    }
}
