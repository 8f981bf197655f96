using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

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
        => CreateCompilation("Mesh.Generators.Samples", [], sources);

    /// <summary>Compiles <paramref name="sources"/> as <paramref name="assemblyName"/>, with extra references.</summary>
    public static CSharpCompilation CreateCompilation(string assemblyName, IEnumerable<MetadataReference> references, params string[] sources)
    {
        var trees = sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: SourcePath(i)));
        return CSharpCompilation.Create(assemblyName, trees, References.Value.Concat(references), CompilationOptions);
    }

    /// <summary>Runs the generator on a compilation.</summary>
    public static GeneratorOutcome Run(CSharpCompilation compilation)
    {
        var driver = CreateDriver(trackSteps: true).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return new GeneratorOutcome(compilation, output, driver.GetRunResult().Results.Single());
    }

    /// <summary>
    /// Compiles <paramref name="sources"/> with the generator into an assembly named
    /// <paramref name="assemblyName"/> and returns it as a reference, as a referenced project would be.
    /// </summary>
    public static MetadataReference CompileReference(string assemblyName, IEnumerable<MetadataReference> references, params string[] sources)
    {
        var outcome = Run(CreateCompilation(assemblyName, references, sources));
        Assert.Empty(outcome.OutputWarningsAndErrors());
        using var image = new MemoryStream();
        var emitted = outcome.Output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }

    /// <summary>The path of the <paramref name="index"/>th source given to <see cref="CreateCompilation"/>.</summary>
    public static string SourcePath(int index) => $"Source{index}.cs";

    public static GeneratorDriver CreateDriver(bool trackSteps = false)
        => CSharpGeneratorDriver.Create(
            [new BalancedServiceGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public static GeneratorOutcome Run(params string[] sources) => Run(CreateCompilation(sources));

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
            .Append(typeof(Orleans.GenerateSerializerAttribute).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}

/// <summary>The result of one generator run.</summary>
internal sealed record GeneratorOutcome(CSharpCompilation Input, Compilation Output, GeneratorRunResult Result)
{
    private ImmutableArray<Diagnostic> _meshDiagnostics;

    /// <summary>
    /// The MESH diagnostics of the input: <see cref="BalancedServiceAnalyzer"/> reports them (the generator
    /// reports none itself), with the compiler's suppression (#pragma, [SuppressMessage]) applied.
    /// </summary>
    public ImmutableArray<Diagnostic> MeshDiagnostics
    {
        get
        {
            if (_meshDiagnostics.IsDefault)
            {
                Assert.Empty(Result.Diagnostics);
                _meshDiagnostics = Input
                    .WithAnalyzers([new BalancedServiceAnalyzer()])
                    .GetAnalyzerDiagnosticsAsync(CancellationToken.None)
                    .GetAwaiter()
                    .GetResult();
            }

            return _meshDiagnostics;
        }
    }

    public ImmutableArray<GeneratedSourceResult> GeneratedSources => Result.GeneratedSources;

    /// <summary>
    /// The warnings and errors of the compilation that includes the generated code, except missing XML
    /// comments on the tests' own public types (generated public members must have theirs).
    /// </summary>
    public IReadOnlyList<Diagnostic> OutputWarningsAndErrors()
        => Output.GetDiagnostics()
            .Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning)
            .Where(diagnostic => !(diagnostic.Id == "CS1591" && diagnostic.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == false))
            .ToList();

    /// <summary>The text of the generated source named <paramref name="hintName"/>.</summary>
    public string Source(string hintName)
        => GeneratedSources.Single(source => source.HintName == hintName).SourceText.ToString();
}
