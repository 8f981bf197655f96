namespace Mesh.Generators.Model;

/// <summary>One serialized parameter of a remote method.</summary>
/// <param name="Identifier">The parameter's name as a C# identifier (keywords escaped).</param>
/// <param name="TypeName">The parameter type, fully qualified with nullable annotations.</param>
/// <param name="IsParams">Whether the parameter is a <see langword="params"/> array.</param>
/// <param name="DefaultValueExpression">
/// The C# expression of the parameter's default value when it is an appended parameter (one of the
/// trailing parameters with a default value): an older caller may not send it. <see langword="null"/> for
/// the parameters the method id covers.
/// </param>
/// <param name="IsKey">Whether the parameter is the call's <c>[Key]</c> (a keyed service's routing key).</param>
internal sealed record ParameterModel(
    string Identifier,
    string TypeName,
    bool IsParams,
    string? DefaultValueExpression,
    bool IsKey = false);
