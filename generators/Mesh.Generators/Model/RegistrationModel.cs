namespace Mesh.Generators.Model;

/// <summary>Everything the assembly's registration file needs.</summary>
/// <param name="Services">The services of this assembly, ordered by metadata name.</param>
/// <param name="ReferencedDefinitions">
/// The generated definitions of referenced assemblies that this assembly can access, fully qualified and
/// ordered.
/// </param>
internal sealed record RegistrationModel(EquatableArray<RegistrationEntry> Services, EquatableArray<string> ReferencedDefinitions)
{
    public bool IsEmpty => Services.IsEmpty && ReferencedDefinitions.IsEmpty;
}
