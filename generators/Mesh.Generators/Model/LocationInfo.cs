using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Mesh.Generators.Model;

/// <summary>A source location as plain data: file, span and line span.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location)
    {
        if (location is null || !location.IsInSource)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree!.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    /// <summary>
    /// The location in <paramref name="tree"/>, the source file it was taken from, so that <c>#pragma
    /// warning disable</c> and <c>[SuppressMessage]</c> apply to a diagnostic reported there; a location
    /// by path only when the tree is not known.
    /// </summary>
    public Location ToLocation(SyntaxTree? tree)
        => tree is not null && tree.Length >= TextSpan.End
            ? Location.Create(tree, TextSpan)
            : Location.Create(FilePath, TextSpan, LineSpan);
}
