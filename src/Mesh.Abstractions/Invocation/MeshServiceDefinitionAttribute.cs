namespace Mesh.Invocation;

/// <summary>
/// Names a generated <see cref="ServiceDefinition{TService}"/> of this assembly. Generated code applies it,
/// so that the Mesh generator in an assembly that references this one finds its services at compile time and
/// registers them too; nothing reads it at run time.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
public sealed class MeshServiceDefinitionAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="definitionType">The generated definition type.</param>
    public MeshServiceDefinitionAttribute(Type definitionType)
    {
        DefinitionType = definitionType;
    }

    /// <summary>The generated definition type.</summary>
    public Type DefinitionType { get; }
}
