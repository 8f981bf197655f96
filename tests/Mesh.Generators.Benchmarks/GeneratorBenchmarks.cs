using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Mesh.Generators.Benchmarks;

/// <summary>
/// The generator on a 50-interface project: a cold run (a fresh compilation and driver, as in a first build)
/// and incremental runs (the driver of the previous run on the next compilation, as in the IDE after an edit).
/// </summary>
/// <remarks>
/// On every new compilation Roslyn runs the <c>ForAttributeWithMetadataName</c> transform again for every
/// service (only the syntax search is cached), so an incremental run still parses the 50 interfaces into
/// models; what it saves is emitting source, since equal models stop the pipeline before the outputs.
/// </remarks>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private const int EditedIndex = SyntheticProject.ServiceCount / 2;

    private CSharpCompilation _compilation = null!;
    private SyntaxTree[] _bodyVariants = null!;
    private SyntaxTree[] _interfaceVariants = null!;
    private GeneratorDriver _driver = null!;
    private GeneratorDriver _referenceDriver = null!;
    private CSharpCompilation _referenceCurrent = null!;
    private CSharpCompilation _current = null!;
    private int _edits;

    [GlobalSetup]
    public void Setup()
    {
        _compilation = SyntheticProject.Create();
        var path = SyntheticProject.FileName(EditedIndex);
        _bodyVariants =
        [
            SyntheticProject.Parse(SyntheticProject.ServiceFile(EditedIndex, bodyVariant: 0, extraMethod: false), path),
            SyntheticProject.Parse(SyntheticProject.ServiceFile(EditedIndex, bodyVariant: 1, extraMethod: false), path),
        ];
        _interfaceVariants =
        [
            _bodyVariants[0],
            SyntheticProject.Parse(SyntheticProject.ServiceFile(EditedIndex, bodyVariant: 0, extraMethod: true), path),
        ];

        // Check once that the generator did its work on the project.
        var result = CreateDriver().RunGenerators(_compilation.Clone()).GetRunResult();
        if (result.Diagnostics.Length != 0 || result.GeneratedTrees.Length != (SyntheticProject.ServiceCount * 3) + 1)
        {
            throw new InvalidOperationException($"Unexpected generator output: {result.GeneratedTrees.Length} files, {result.Diagnostics.Length} diagnostics.");
        }

        // The incremental benchmarks start from a driver that has run once; each invocation is one more edit.
        _current = _compilation.Clone();
        _driver = CreateDriver().RunGenerators(_current);
        _referenceCurrent = _compilation.Clone();
        _referenceDriver = CreateDriver(new MemberWalkGenerator()).RunGenerators(_referenceCurrent);
    }

    /// <summary>A first build: nothing is cached, every interface is bound, parsed into a model and emitted.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver Cold() => CreateDriver().RunGenerators(_compilation.Clone());

    /// <summary>
    /// For scale: the compiler binding the same fresh project for its own diagnostics, which every build does
    /// anyway.
    /// </summary>
    [Benchmark]
    public int CompilerDiagnostics() => _compilation.Clone().GetDiagnostics().Length;

    /// <summary>Typing in a method body of one file: every model step must come from the cache.</summary>
    [Benchmark]
    public GeneratorDriver Incremental_MethodBodyEdited() => Edit(_bodyVariants);

    /// <summary>Adding or removing a method on one interface: that service alone is parsed and emitted again.</summary>
    [Benchmark]
    public GeneratorDriver Incremental_InterfaceEdited() => Edit(_interfaceVariants);

    /// <summary>
    /// For scale: the same edit with <see cref="MemberWalkGenerator"/>, which only binds the interfaces'
    /// methods, the floor of any generator that reads them.
    /// </summary>
    [Benchmark]
    public GeneratorDriver Reference_MemberWalk_MethodBodyEdited()
    {
        var next = _bodyVariants[++_edits % 2];
        var old = _referenceCurrent.SyntaxTrees.Single(tree => tree.FilePath == next.FilePath);
        _referenceCurrent = _referenceCurrent.ReplaceSyntaxTree(old, next);
        _referenceDriver = _referenceDriver.RunGenerators(_referenceCurrent);
        return _referenceDriver;
    }

    private GeneratorDriver Edit(SyntaxTree[] variants)
    {
        var next = variants[++_edits % 2];
        var old = _current.SyntaxTrees.Single(tree => tree.FilePath == next.FilePath);
        _current = _current.ReplaceSyntaxTree(old, next);
        _driver = _driver.RunGenerators(_current);
        return _driver;
    }

    private static GeneratorDriver CreateDriver(IIncrementalGenerator? generator = null)
        => CSharpGeneratorDriver.Create(
            [(generator ?? new BalancedServiceGenerator()).AsSourceGenerator()],
            parseOptions: SyntheticProject.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));
}
