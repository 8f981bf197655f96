using Mesh.Generators.Model;
using static Mesh.Generators.Emitters.EmitterHelpers;

namespace Mesh.Generators.Emitters;

/// <summary>
/// Emits the assembly's one registration class: a module initializer that registers every generated
/// definition with <c>MeshServiceRegistry</c>, and <c>AddGeneratedClients</c> for dependency injection.
/// </summary>
internal static class RegistrationEmitter
{
    public const string HintName = "GeneratedMeshRegistration.g.cs";

    public static string Emit(EquatableArray<RegistrationEntry> entries)
    {
        var writer = StartFile("Mesh.Generated");
        writer.WriteLine("/// <summary>Registers the Mesh services generated for this assembly.</summary>");
        writer.WriteLine(GeneratedCodeAttribute);
        writer.WriteLine("internal static class GeneratedMeshRegistration");
        writer.OpenBlock();
        writer.WriteLine("/// <summary>Registers the assembly's service definitions when the module loads.</summary>");
        writer.WriteLine("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        writer.WriteLine("internal static void RegisterDefinitions()");
        writer.OpenBlock();
        foreach (var entry in entries)
        {
            writer.WriteLine($"global::Mesh.Invocation.MeshServiceRegistry.Register({entry.DefinitionFullTypeName}.Instance);");
        }

        writer.CloseBlock();
        writer.WriteLine();
        writer.WriteLine("/// <summary>Registers the client proxy of every balanced service of this assembly.</summary>");
        writer.WriteLine("/// <param name=\"builder\">The Mesh builder.</param>");
        writer.WriteLine("/// <returns><paramref name=\"builder\"/>, to chain calls.</returns>");
        writer.WriteLine("public static global::Mesh.IMeshBuilder AddGeneratedClients(this global::Mesh.IMeshBuilder builder)");
        writer.OpenBlock();
        writer.WriteLine("if (builder is null)");
        writer.OpenBlock();
        writer.WriteLine("throw new global::System.ArgumentNullException(nameof(builder));");
        writer.CloseBlock();
        writer.WriteLine();
        foreach (var entry in entries)
        {
            writer.WriteLine($"builder.AddClient({entry.DefinitionFullTypeName}.Instance);");
        }

        writer.WriteLine("return builder;");
        writer.CloseBlock();
        writer.CloseBlock();
        return writer.ToString();
    }
}
