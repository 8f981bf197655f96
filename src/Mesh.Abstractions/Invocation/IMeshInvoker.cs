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
}
