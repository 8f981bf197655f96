using Mesh.Invocation;

namespace Mesh.Calls;

/// <summary>
/// What generated clients call: builds pooled requests and starts each call on the <see cref="CallRouter"/> as a
/// pooled <see cref="InvokeOperation{TResult}"/>, so the call path allocates nothing of its own.
/// </summary>
internal sealed class MeshInvoker(CallRouter router) : IMeshInvoker
{
    public OutgoingRequest CreateRequest(MeshMethod method) => RequestBuilder.Rent(method, router.Serializer, router.MaxFrameSize);

    public ValueTask InvokeAsync(OutgoingRequest request, CancellationToken cancellationToken)
        => InvokeOperation<bool>.Start(router, AsBuilder(request), deserialize: false, cancellationToken).AsVoidValueTask();

    public ValueTask<TResult> InvokeAsync<TResult>(OutgoingRequest request, CancellationToken cancellationToken)
        => InvokeOperation<TResult>.Start(router, AsBuilder(request), deserialize: true, cancellationToken).AsValueTask();

    public IAsyncEnumerable<TItem> InvokeStreamAsync<TItem>(OutgoingRequest request, CancellationToken cancellationToken)
        => new StreamCall<TItem>(router, AsBuilder(request), cancellationToken);

    private static RequestBuilder AsBuilder(OutgoingRequest request)
        => request as RequestBuilder ?? throw new ArgumentException("The request was not created by this invoker.", nameof(request));
}
