#pragma warning disable RS1036, RS1041 // Run only by the benchmarks, through CSharpGeneratorDriver.
using Microsoft.CodeAnalysis;

namespace Mesh.Generators.Benchmarks;

/// <summary>
/// A reference point, not a real generator: finds the same interfaces and binds every method and parameter
/// type, then emits nothing. Any generator that reads the interfaces pays at least this on every run.
/// </summary>
public sealed class MemberWalkGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var counts = context.SyntaxProvider.ForAttributeWithMetadataName(
            "Mesh.BalancedServiceAttribute",
            static (_, _) => true,
            static (context, _) => CountParameterTypes((INamedTypeSymbol)context.TargetSymbol));
        context.RegisterSourceOutput(counts, static (_, _) => { });
    }

    private static int CountParameterTypes(INamedTypeSymbol service)
    {
        var count = 0;
        foreach (var type in service.AllInterfaces.Prepend(service))
        {
            foreach (var member in type.GetMembers())
            {
                if (member is IMethodSymbol method)
                {
                    count += method.ReturnType.Name.Length;
                    foreach (var parameter in method.Parameters)
                    {
                        count += parameter.Type.Name.Length;
                    }
                }
            }
        }

        return count;
    }
}
