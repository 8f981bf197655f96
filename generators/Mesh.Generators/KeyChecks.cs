using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Mesh.Generators;

/// <summary>
/// The rules of keyed services (<c>[BalancedService(Keyed = true)]</c> with one <c>[Key]</c> parameter per method):
/// which parameter is a method's key, and the diagnostics MESH0030–MESH0033 when the declaration is wrong.
/// </summary>
internal static class KeyChecks
{
    private static readonly SymbolDisplayFormat MessageFormat = SymbolDisplayFormat.CSharpErrorMessageFormat;

    /// <summary>Whether <c>Keyed = true</c> is set on the service's <c>[BalancedService]</c>.</summary>
    public static bool IsKeyed(AttributeData? attribute)
        => attribute is not null && attribute.NamedArguments.Any(static argument => argument.Key == "Keyed" && argument.Value.Value is true);

    /// <summary>
    /// The index of <paramref name="method"/>'s key parameter, or −1 when it has none; reports through
    /// <paramref name="report"/> a key of an unsupported type, more than one key, a key on a service that is not keyed,
    /// and a method of a keyed service without a key.
    /// </summary>
    public static int Check(
        IMethodSymbol method,
        bool serviceIsKeyed,
        Location methodLocation,
        string serviceName,
        Action<DiagnosticDescriptor, Location, string[]> report)
    {
        var keys = new List<IParameterSymbol>();
        foreach (var parameter in method.Parameters)
        {
            if (parameter.GetAttributes().Any(IsKeyAttribute))
            {
                keys.Add(parameter);
            }
        }

        var methodName = method.ToDisplayString(MessageFormat);
        if (keys.Count == 0)
        {
            if (serviceIsKeyed)
            {
                report(DiagnosticDescriptors.KeyedMethodWithoutKey, methodLocation, [methodName, serviceName]);
            }

            return -1;
        }

        if (!serviceIsKeyed)
        {
            report(DiagnosticDescriptors.KeyOnUnkeyedService, LocationOf(keys[0], methodLocation), [keys[0].Name, methodName, serviceName]);
            return -1;
        }

        if (keys.Count > 1)
        {
            report(DiagnosticDescriptors.MultipleKeys, LocationOf(keys[1], methodLocation), [methodName, string.Join("', '", keys.Select(static key => key.Name))]);
            return -1;
        }

        var key = keys[0];
        if (!IsSupportedKeyType(key.Type))
        {
            report(DiagnosticDescriptors.UnsupportedKeyType, LocationOf(key, methodLocation), [key.Name, methodName, key.Type.ToDisplayString(MessageFormat)]);
            return -1;
        }

        return method.Parameters.IndexOf(key);
    }

    /// <summary>string (not annotated nullable: a call needs a key), Guid, int, uint, long or ulong: the types <c>Mesh.MeshKey.Hash</c> takes.</summary>
    private static bool IsSupportedKeyType(ITypeSymbol type)
        => type.NullableAnnotation != NullableAnnotation.Annotated && type.SpecialType is SpecialType.System_String or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64
           || (type is INamedTypeSymbol { Name: "Guid", ContainingType: null, ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } });

    private static bool IsKeyAttribute(AttributeData attribute)
        => attribute.AttributeClass is { Name: "KeyAttribute", ContainingType: null, ContainingNamespace: { Name: "Mesh", ContainingNamespace.IsGlobalNamespace: true } };

    private static Location LocationOf(IParameterSymbol parameter, Location fallback)
        => parameter.Locations.FirstOrDefault(static location => location.IsInSource) ?? fallback;
}
