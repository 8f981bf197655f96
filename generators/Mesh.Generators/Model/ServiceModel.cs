namespace Mesh.Generators.Model;

/// <summary>One <c>[BalancedService]</c> interface, as the emitters need it.</summary>
/// <param name="InterfaceTypeName">The interface, fully qualified: <c>global::Sample.ICalculator</c>.</param>
/// <param name="MetadataName">The interface's metadata name (<c>Sample.Outer+ICalculator</c>); unique, used for hint names.</param>
/// <param name="ServiceName">The wire name: the attribute's <c>Name</c>, else the interface's full name.</param>
/// <param name="GeneratedNamespace">The namespace of the generated types: <c>Mesh.Generated.Sample</c>.</param>
/// <param name="IsPublic">
/// Whether the interface is public (and every type it is nested in): its definition is then public too, so
/// that assemblies referencing this one register it.
/// </param>
/// <param name="TypeNameStem">
/// The base of the generated type names: <c>Calculator</c>, <c>Outer_Calculator</c>. The parser sets the
/// preferred stem; <see cref="ServiceNaming"/> appends a number when another service of the assembly has the
/// same stem in the same generated namespace.
/// </param>
/// <param name="ExperimentalDiagnosticIds">
/// The diagnostic ids of the <c>[Experimental]</c> APIs the service uses (on the interface, its methods or
/// their types), suppressed in generated files; sorted.
/// </param>
/// <param name="Methods">The remote methods, own methods first, then inherited ones, each in declaration order.</param>
internal sealed record ServiceModel(
    string InterfaceTypeName,
    string MetadataName,
    string ServiceName,
    string GeneratedNamespace,
    bool IsPublic,
    string TypeNameStem,
    EquatableArray<MethodModel> Methods,
    EquatableArray<string> ExperimentalDiagnosticIds)
{
    public string ProxyTypeName => TypeNameStem + "Proxy";

    public string DefinitionTypeName => TypeNameStem + "Definition";

    public string DispatcherTypeName => TypeNameStem + "Dispatcher";

    /// <summary>The definition type, fully qualified, as the registration refers to it.</summary>
    public string DefinitionFullTypeName => "global::" + GeneratedNamespace + "." + DefinitionTypeName;
}
