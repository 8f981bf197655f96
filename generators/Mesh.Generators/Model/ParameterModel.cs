namespace Mesh.Generators.Model;

/// <summary>One serialized parameter of a remote method.</summary>
/// <param name="Identifier">The parameter's name as a C# identifier (keywords escaped).</param>
/// <param name="TypeName">The parameter type, fully qualified with nullable annotations.</param>
/// <param name="IsParams">Whether the parameter is a <see langword="params"/> array.</param>
/// <param name="DefaultValueExpression">
/// The C# expression of the parameter's default value, when it has one: an older caller may not send it.
/// </param>
internal sealed record ParameterModel(
    string Identifier,
    string TypeName,
    bool IsParams,
    string? DefaultValueExpression);
