using System;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Mesh.Generators.Emitters;
using Mesh.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Mesh.Generators;

/// <summary>
/// Generates, for every interface marked <c>[Mesh.BalancedService]</c>, a client proxy, a dispatcher and
/// a <c>ServiceDefinition</c>, and per assembly one registration class. This type only wires the
/// pipeline: <see cref="Parser"/> builds the models and the emitters write the source.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class BalancedServiceGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parseResults = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.BalancedServiceAttributeMetadataName,
                predicate: static (node, _) => node is InterfaceDeclarationSyntax,
                transform: static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.ParseResults);

        // Diagnostics travel apart from the models: a model holds no location, so editing the text
        // around an interface changes its diagnostics step but leaves the source outputs cached.
        var diagnostics = parseResults
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (context, diagnostic) => context.ReportDiagnostic(diagnostic.ToDiagnostic()));

        var services = parseResults
            .Where(static result => result.Service is not null)
            .Select(static (result, _) => result.Service!)
            .WithTrackingName(TrackingNames.Services);
        context.RegisterSourceOutput(services, static (context, service) => EmitService(context, service));

        var registrations = services
            .Select(static (service, _) => new RegistrationEntry(service.DefinitionFullTypeName, service.MetadataName))
            .WithTrackingName(TrackingNames.RegistrationEntries)
            .Collect()
            .Select(static (entries, _) => Sort(entries))
            .WithTrackingName(TrackingNames.Registrations);
        context.RegisterSourceOutput(registrations, static (context, entries) => EmitRegistration(context, entries));
    }

    private static void EmitService(SourceProductionContext context, ServiceModel service)
    {
        context.AddSource($"{service.MetadataName}.Proxy.g.cs", ToSourceText(ProxyEmitter.Emit(service)));
        context.AddSource($"{service.MetadataName}.Definition.g.cs", ToSourceText(DefinitionEmitter.Emit(service)));
        context.AddSource($"{service.MetadataName}.Dispatcher.g.cs", ToSourceText(DispatcherEmitter.Emit(service)));
    }

    private static void EmitRegistration(SourceProductionContext context, EquatableArray<RegistrationEntry> entries)
    {
        if (!entries.IsEmpty)
        {
            context.AddSource(RegistrationEmitter.HintName, ToSourceText(RegistrationEmitter.Emit(entries)));
        }
    }

    private static EquatableArray<RegistrationEntry> Sort(ImmutableArray<RegistrationEntry> entries)
        => new(entries.OrderBy(static entry => entry.MetadataName, StringComparer.Ordinal));

    private static SourceText ToSourceText(string source) => SourceText.From(source, Encoding.UTF8);
}
