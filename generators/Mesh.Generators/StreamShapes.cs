using Microsoft.CodeAnalysis;

namespace Mesh.Generators;

/// <summary>
/// What the generator knows of streams: a method returning <c>IAsyncEnumerable&lt;T&gt;</c> is a server stream; the
/// stream shapes it cannot carry (an enumerator, a task of a stream, a stream argument) each get a diagnostic that
/// says what to write instead.
/// </summary>
internal static class StreamShapes
{
    /// <summary>Whether <paramref name="type"/> is <c>System.Collections.Generic.IAsyncEnumerable&lt;T&gt;</c>.</summary>
    public static bool IsAsyncEnumerable(ITypeSymbol type)
        => type is INamedTypeSymbol { MetadataName: "IAsyncEnumerable`1", ContainingType: null } named && IsCollectionsGeneric(named);

    /// <summary>
    /// How to fix a return type that is a stream shape Mesh does not carry (<c>IAsyncEnumerator&lt;T&gt;</c>,
    /// <c>Task&lt;IAsyncEnumerable&lt;T&gt;&gt;</c>, <c>ValueTask&lt;IAsyncEnumerable&lt;T&gt;&gt;</c>), or null.
    /// </summary>
    public static string? UnsupportedReturnFix(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol { ContainingType: null } named)
        {
            return null;
        }

        if (named.MetadataName == "IAsyncEnumerator`1" && IsCollectionsGeneric(named))
        {
            return $"return IAsyncEnumerable<{Display(named.TypeArguments[0])}> instead: a stream is opened when the caller enumerates it";
        }

        if (named.MetadataName is "Task`1" or "ValueTask`1" && IsNamespace(named.ContainingNamespace, "System", "Threading", "Tasks")
            && IsAsyncEnumerable(named.TypeArguments[0]))
        {
            return $"return {Display(named.TypeArguments[0])} directly, not wrapped in a task: the stream opens when the caller enumerates it";
        }

        return null;
    }

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    private static bool IsCollectionsGeneric(INamedTypeSymbol type) => IsNamespace(type.ContainingNamespace, "System", "Collections", "Generic");

    private static bool IsNamespace(INamespaceSymbol? ns, params string[] names)
    {
        for (var i = names.Length - 1; i >= 0; i--)
        {
            if (ns is null || ns.IsGlobalNamespace || ns.Name != names[i])
            {
                return false;
            }

            ns = ns.ContainingNamespace;
        }

        return ns is { IsGlobalNamespace: true };
    }
}
