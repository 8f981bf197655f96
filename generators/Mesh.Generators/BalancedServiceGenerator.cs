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
/// a <c>ServiceDefinition</c>, and per assembly one registration file that registers the definitions of the
/// assembly and of the assemblies it references. This type only wires the pipeline: <see cref="Parser"/>
/// builds the models and the emitters write the source.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class BalancedServiceGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Classes and structs too, to tell users who mark the implementation where the attribute belongs.
        var parseResults = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.BalancedServiceAttributeMetadataName,
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.ParseResults);

        // The diagnostics are reported by BalancedServiceAnalyzer, where #pragma and [SuppressMessage] apply;
        // here a service with an error simply generates nothing.
        var services = parseResults
            .Where(static result => result.Service is not null)
            .Select(static (result, _) => result.Service!)
            .WithTrackingName(TrackingNames.Services);

        // Generated type names must be unique per namespace, which only the whole set of services can tell.
        // Each named service is compared with its previous value, so a change to one service re-emits only it.
        var namedServices = services
            .Collect()
            .SelectMany(static (all, _) => ServiceNaming.AssignTypeNames(all))
            .WithTrackingName(TrackingNames.NamedServices);
        context.RegisterSourceOutput(namedServices, static (context, service) => EmitService(context, service));

        var ownEntries = namedServices
            .Select(static (service, _) => new RegistrationEntry(service.DefinitionFullTypeName, service.MetadataName))
            .WithTrackingName(TrackingNames.RegistrationEntries)
            .Collect()
            .Select(static (entries, _) => Sort(entries))
            .WithTrackingName(TrackingNames.Registrations);

        // Re-evaluated on every compilation, but cheap (assembly reference tables) and equatable, so what
        // follows stays cached until a referenced assembly's services change.
        var referencedDefinitions = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => ReferencedServices.Find(compilation, cancellationToken))
            .WithTrackingName(TrackingNames.ReferencedDefinitions);

        var registration = ownEntries
            .Combine(referencedDefinitions)
            .Select(static (pair, _) => new RegistrationModel(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Registration);
        context.RegisterSourceOutput(registration, static (context, model) => EmitRegistration(context, model));
    }

    private static void EmitService(SourceProductionContext context, ServiceModel service)
    {
        context.AddSource($"{service.MetadataName}.Proxy.g.cs", ToSourceText(ProxyEmitter.Emit(service)));
        context.AddSource($"{service.MetadataName}.Definition.g.cs", ToSourceText(DefinitionEmitter.Emit(service)));
        context.AddSource($"{service.MetadataName}.Dispatcher.g.cs", ToSourceText(DispatcherEmitter.Emit(service)));
    }

    private static void EmitRegistration(SourceProductionContext context, RegistrationModel model)
    {
        if (!model.IsEmpty)
        {
            context.AddSource(RegistrationEmitter.HintName, ToSourceText(RegistrationEmitter.Emit(model)));
        }
    }

    private static EquatableArray<RegistrationEntry> Sort(ImmutableArray<RegistrationEntry> entries)
        => new(entries.OrderBy(static entry => entry.MetadataName, StringComparer.Ordinal));

    private static SourceText ToSourceText(string source) => SourceText.From(source, Encoding.UTF8);
}
