using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Mesh.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Mesh.Generators;

/// <summary>
/// Reports the MESH diagnostics of <c>[BalancedService]</c> types. They come from an analyzer, not from
/// <see cref="BalancedServiceGenerator"/>, so that they are located in the user's source tree and
/// <c>#pragma warning disable MESHxxxx</c>, <c>[SuppressMessage]</c> and .editorconfig severities apply to
/// them; the generator runs the same <see cref="Parser"/> and only skips the services it refuses.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BalancedServiceAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        DiagnosticDescriptors.UnsupportedReturnType,
        DiagnosticDescriptors.RefParameter,
        DiagnosticDescriptors.GenericMethod,
        DiagnosticDescriptors.UnsupportedMember,
        DiagnosticDescriptors.CancellationTokenNotLast,
        DiagnosticDescriptors.UnsupportedParameterType,
        DiagnosticDescriptors.GenericInterface,
        DiagnosticDescriptors.InaccessibleInterface,
        DiagnosticDescriptors.DuplicateMethodId,
        DiagnosticDescriptors.EmptyServiceName,
        DiagnosticDescriptors.NotAnInterface,
        DiagnosticDescriptors.DuplicateServiceName,
        DiagnosticDescriptors.NonPublicMember,
        DiagnosticDescriptors.ObsoleteAsError,
        DiagnosticDescriptors.UnsupportedResultType,
        DiagnosticDescriptors.DisposableService,
        DiagnosticDescriptors.EmptyService,
        DiagnosticDescriptors.NoVisibleSerializer,
    ];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var attributeType = start.Compilation.GetTypeByMetadataName(Parser.BalancedServiceAttributeMetadataName);
            if (attributeType is null)
            {
                return;
            }

            var identities = new ConcurrentBag<ServiceIdentity>();
            start.RegisterSymbolAction(
                context => AnalyzeType(context, attributeType, identities),
                SymbolKind.NamedType);
            start.RegisterCompilationEndAction(context =>
            {
                foreach (var diagnostic in ServiceNameCheck.FindDuplicates([.. identities]))
                {
                    context.ReportDiagnostic(diagnostic.ToDiagnostic(context.Compilation));
                }
            });
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, INamedTypeSymbol attributeType, ConcurrentBag<ServiceIdentity> identities)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var attribute = type.GetAttributes().FirstOrDefault(attribute => SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType));
        if (attribute?.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).Parent?.Parent is not TypeDeclarationSyntax declaration)
        {
            return;
        }

        var location = declaration.Identifier.GetLocation();
        if (Parser.ParseIdentity(type, attribute, location) is { } identity)
        {
            identities.Add(identity);
        }

        foreach (var diagnostic in Parser.Parse(type, attribute, location, context.CancellationToken).Diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic(context.Compilation));
        }
    }
}
