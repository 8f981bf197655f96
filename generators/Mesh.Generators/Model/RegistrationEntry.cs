namespace Mesh.Generators.Model;

/// <summary>What the assembly's registration needs of one service: its definition type.</summary>
/// <param name="DefinitionFullTypeName">The generated definition, fully qualified.</param>
/// <param name="MetadataName">The interface's metadata name, to order the entries stably.</param>
internal sealed record RegistrationEntry(string DefinitionFullTypeName, string MetadataName);
