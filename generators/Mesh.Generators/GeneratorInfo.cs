using System.Reflection;

namespace Mesh.Generators;

/// <summary>What generated code says about the generator that wrote it.</summary>
internal static class GeneratorInfo
{
    public const string Name = "Mesh.Generators";

    /// <summary>The generator's assembly version, written into <c>[GeneratedCode]</c>.</summary>
    public static string Version { get; } = typeof(GeneratorInfo).Assembly.GetName().Version?.ToString() ?? "1.0.0.0";
}
