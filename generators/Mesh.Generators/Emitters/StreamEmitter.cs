using Mesh.Generators.Model;

namespace Mesh.Generators.Emitters;

/// <summary>
/// The generated code of stream methods (returning <c>IAsyncEnumerable&lt;T&gt;</c>): the proxy hands the packed request
/// to <c>IMeshInvoker.InvokeStreamAsync</c>, which opens the stream when it is enumerated; the dispatcher hands the
/// implementation's stream to <c>IncomingRequest.WriteStreamAsync</c>, which sends its items as the caller's credit allows.
/// </summary>
internal static class StreamEmitter
{
    public static bool IsStream(MethodModel method) => method.ReturnKind == ReturnKind.AsyncEnumerable;

    /// <summary>The proxy's return expression: the stream, opened when the caller enumerates it.</summary>
    public static string ProxyInvoke(MethodModel method, string request, string cancellationToken)
        => $"this._invoker.InvokeStreamAsync<{method.ResultTypeName}>({request}, {cancellationToken})";

    /// <summary>The dispatcher's statement: sends the implementation's items, and completes after the last.</summary>
    public static string DispatchStatement(MethodModel method, string request, string call, string cancellationToken)
        => $"await {request}.WriteStreamAsync<{method.ResultTypeName}>({call}, {cancellationToken}).ConfigureAwait(false);";
}
