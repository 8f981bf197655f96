using Mesh.Invocation;

namespace Mesh.Calls;

/// <summary>
/// What a generated proxy returns for a stream method: the request, packed; the stream opens when it is first
/// enumerated (<see cref="StreamEnumerator{T}"/>), once.
/// </summary>
internal sealed class StreamCall<T>(CallRouter router, RequestBuilder request, CancellationToken cancellationToken) : IAsyncEnumerable<T>
{
    private readonly MeshMethod _method = request.Method;
    private int _enumerated;

    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken1 = default)
    {
        if (Interlocked.Exchange(ref _enumerated, 1) != 0)
        {
            throw new InvalidOperationException($"The stream of {_method} can be enumerated once; call the method again to open another.");
        }

        return new StreamEnumerator<T>(router, request, cancellationToken, cancellationToken1);
    }
}
