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
        DiagnosticDescriptors.ShippedContractBroken,
        DiagnosticDescriptors.UnrecordedContract,
        DiagnosticDescriptors.UnsupportedKeyType,
        DiagnosticDescriptors.MultipleKeys,
        DiagnosticDescriptors.KeyOnUnkeyedService,
        DiagnosticDescriptors.KeyedMethodWithoutKey,
        DiagnosticDescriptors.UnsupportedStreamShape,
        DiagnosticDescriptors.StreamParameter,
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
            var served = new ConcurrentBag<WireContractBaseline.ServedMethod>();
            var baselineFiles = start.Options.AdditionalFiles.Where(WireContractBaseline.IsBaselineFile).ToList();
            start.RegisterSymbolAction(
                context => AnalyzeType(context, attributeType, identities, baselineFiles.Count > 0 ? served : null),
                SymbolKind.NamedType);
            start.RegisterCompilationEndAction(context =>
            {
                foreach (var diagnostic in ServiceNameCheck.FindDuplicates([.. identities]))
                {
                    context.ReportDiagnostic(diagnostic.ToDiagnostic(context.Compilation));
                }

                // The baseline is opt-in: only projects that keep WireContract.*.txt files are checked.
                if (baselineFiles.Count > 0)
                {
                    var shipped = baselineFiles.Where(WireContractBaseline.IsShipped).SelectMany(file => WireContractBaseline.Read(file, context.CancellationToken)).ToList();
                    var unshipped = baselineFiles.Where(file => !WireContractBaseline.IsShipped(file)).SelectMany(file => WireContractBaseline.Read(file, context.CancellationToken)).ToList();
                    foreach (var diagnostic in WireContractBaseline.Check(shipped, unshipped, [.. served]))
                    {
                        context.ReportDiagnostic(diagnostic);
                    }
                }
            });
        });
    }

    private static void AnalyzeType(
        SymbolAnalysisContext context,
        INamedTypeSymbol attributeType,
        ConcurrentBag<ServiceIdentity> identities,
        ConcurrentBag<WireContractBaseline.ServedMethod>? served)
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

        var result = Parser.Parse(type, attribute, location, context.CancellationToken);
        foreach (var diagnostic in result.Diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic(context.Compilation));
        }

        if (served is not null && result.Service is { } service)
        {
            foreach (var method in WireContractBaseline.Served(service, location))
            {
                served.Add(method);
            }
        }
    }
}
