namespace Mesh;

/// <summary>
/// A stream (a service method returning <see cref="IAsyncEnumerable{T}"/>) ended before its last item because the
/// node serving it stopped: it was shutting down and its <c>MeshOptions.ShutdownGracePeriod</c> ran out, or its link
/// failed. The items received before this exception are valid; the stream may be reopened by calling the method
/// again, which picks a node that is still serving (resume from the last item received if the method allows it).
/// </summary>
public sealed class StreamInterruptedException : MeshException
{
    /// <summary>Creates the exception.</summary>
    public StreamInterruptedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
