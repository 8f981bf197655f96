using Microsoft.CodeAnalysis;

namespace Mesh.Generators.Model;

/// <summary>
/// A diagnostic kept as plain data, so that the pipeline step that carries it stays comparable between
/// runs. It becomes a <see cref="Diagnostic"/> only when it is reported.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] messageArgs)
        => new(descriptor, LocationInfo.From(location), new EquatableArray<string>(messageArgs));

    /// <summary>The diagnostic, located in the tree of <paramref name="compilation"/> it was found in.</summary>
    public Diagnostic ToDiagnostic(Compilation compilation)
    {
        var args = new object[MessageArgs.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = MessageArgs[i];
        }

        SyntaxTree? tree = null;
        if (Location is { } location)
        {
            foreach (var candidate in compilation.SyntaxTrees)
            {
                if (candidate.FilePath == location.FilePath)
                {
                    tree = candidate;
                    break;
                }
            }
        }

        return Diagnostic.Create(Descriptor, Location?.ToLocation(tree), args);
    }
}
