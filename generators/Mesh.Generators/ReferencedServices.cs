using System;
using System.Collections.Generic;
using System.Threading;
using Mesh.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Mesh.Generators;

/// <summary>
/// Finds the service definitions that the Mesh generator emitted into referenced assemblies: each such
/// assembly names them with <c>[assembly: Mesh.Invocation.MeshServiceDefinition(typeof(...))]</c>.
/// </summary>
internal static class ReferencedServices
{
    public const string AttributeFullName = "Mesh.Invocation.MeshServiceDefinitionAttribute";

    private const string AbstractionsAssemblyName = "Mesh.Abstractions";

    /// <summary>
    /// The definitions of referenced assemblies that <paramref name="compilation"/> can access (public ones,
    /// and internal ones of assemblies that grant it their internals), fully qualified and ordered.
    /// </summary>
    public static EquatableArray<string> Find(Compilation compilation, CancellationToken cancellationToken)
    {
        var definitions = new List<string>();
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ReferencesAbstractions(assembly))
            {
                // Cheap: read from the assembly's reference table, without decoding its attributes.
                continue;
            }

            foreach (var attribute in assembly.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == AttributeFullName
                    && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is INamedTypeSymbol definition
                    && compilation.IsSymbolAccessibleWithin(definition, compilation.Assembly))
                {
                    definitions.Add(definition.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
                }
            }
        }

        definitions.Sort(StringComparer.Ordinal);
        return new EquatableArray<string>(definitions);
    }

    private static bool ReferencesAbstractions(IAssemblySymbol assembly)
    {
        foreach (var module in assembly.Modules)
        {
            foreach (var reference in module.ReferencedAssemblies)
            {
                if (reference.Name == AbstractionsAssemblyName)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
