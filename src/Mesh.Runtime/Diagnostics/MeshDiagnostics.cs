using System.Diagnostics;

namespace Mesh.Diagnostics;

/// <summary>The runtime's traces (activity source <c>Mesh</c>); metrics are <see cref="MeshMetrics"/>.</summary>
internal static class MeshDiagnostics
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Mesh";

    public static readonly ActivitySource ActivitySource = new(Name);
}
