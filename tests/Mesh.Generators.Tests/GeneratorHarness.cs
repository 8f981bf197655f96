using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Mesh.Generators.Tests;

/// <summary>Compiles test sources and runs <see cref="BalancedServiceGenerator"/> over them.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        warningLevel: 9999,
        concurrentBuild: false,
        deterministic: true);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(CreateReferences);

    public static CSharpCompilation CreateCompilation(params string[] sources)
    {
        var trees = sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: SourcePath(i)));
        return CSharpCompilation.Create("Mesh.Generators.Samples", trees, References.Value, CompilationOptions);
    }

    /// <summary>The path of the <paramref name="index"/>th source given to <see cref="CreateCompilation"/>.</summary>
    public static string SourcePath(int index) => $"Source{index}.cs";

    public static GeneratorDriver CreateDriver(bool trackSteps = false)
        => CSharpGeneratorDriver.Create(
            [new BalancedServiceGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public static GeneratorOutcome Run(params string[] sources)
    {
        var compilation = CreateCompilation(sources);
        var driver = CreateDriver(trackSteps: true).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return new GeneratorOutcome(compilation, output, driver.GetRunResult().Results.Single());
    }

    /// <summary>Every service model the generator built, in the order of the pipeline.</summary>
    public static IReadOnlyList<Model.ServiceModel> GetServiceModels(GeneratorRunResult result)
        => result.TrackedSteps.TryGetValue(TrackingNames.Services, out var steps)
            ? steps.SelectMany(step => step.Outputs).Select(output => (Model.ServiceModel)output.Value).ToList()
            : [];

    private static ImmutableArray<MetadataReference> CreateReferences()
    {
        // The framework the tests run on, plus what generated code needs.
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var platformAssemblies = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal));
        return platformAssemblies
            .Append(typeof(BalancedServiceAttribute).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}

/// <summary>The result of one generator run.</summary>
internal sealed record GeneratorOutcome(CSharpCompilation Input, Compilation Output, GeneratorRunResult Result)
{
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => Result.Diagnostics;

    public ImmutableArray<GeneratedSourceResult> GeneratedSources => Result.GeneratedSources;

    /// <summary>The warnings and errors of the compilation that includes the generated code.</summary>
    public IReadOnlyList<Diagnostic> OutputWarningsAndErrors()
        => Output.GetDiagnostics().Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning).ToList();
}
