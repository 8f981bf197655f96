using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace Mesh.Generators.Tests;

public sealed class GeneratedCodeTests
{
    [Fact]
    public void Generate_Calculator_CompilesWithoutWarnings()
    {
        var outcome = GeneratorHarness.Run(TestSources.Calculator);

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.Equal(4, outcome.GeneratedSources.Length);
        Assert.Empty(outcome.OutputWarningsAndErrors());
    }

    [Fact]
    public void Generate_NestedGlobalAndEmptyServices_CompilesWithoutWarnings()
    {
        var outcome = GeneratorHarness.Run(TestSources.GlobalNamespaceService, TestSources.NestedService);

        // The empty service generates, with a warning (MESH0017) that it cannot be called.
        Assert.Equal(["MESH0017"], outcome.MeshDiagnostics.Select(diagnostic => diagnostic.Id));
        Assert.Equal(10, outcome.GeneratedSources.Length);
        Assert.Empty(outcome.OutputWarningsAndErrors());
    }

    [Fact]
    public void Generate_UnusualShapes_CompilesWithoutWarnings()
    {
        var outcome = GeneratorHarness.Run(TestSources.UnusualShapes, TestSources.ObliviousService);

        Assert.Empty(outcome.MeshDiagnostics);
        var methods = GeneratorHarness.GetServiceModels(outcome.Result)
            .SelectMany(service => service.Methods)
            .Select(method => method.Name)
            .Order(StringComparer.Ordinal);
        Assert.Equal(["Defaults", "Find", "Find", "Other", "Pair", "Put", "Root", "class"], methods);
        Assert.Empty(outcome.OutputWarningsAndErrors());
    }

    [Theory]
    [InlineData("[BalancedService] internal interface IShape { [Obsolete] Task Run(); [Obsolete(\"use Run\")] Task Old(int value); }")]
    [InlineData("[Obsolete(\"use IOther\")] [BalancedService] internal interface IShape { Task Run(); }")]
    [InlineData("[Obsolete] [Orleans.GenerateSerializer] internal sealed class OldPayload { } [BalancedService] internal interface IShape { Task<int> Run(OldPayload payload); }")]
    [InlineData("[BalancedService] internal interface IShape { [Experimental(\"MESHTEST1\")] Task Run(); }")]
    [InlineData("[Experimental(\"MESHTEST2\")] [BalancedService] internal interface IShape { Task Run(); }")]
    [InlineData("[Experimental(\"MESHTEST3\")] [Orleans.GenerateSerializer] internal sealed class NewPayload { } [BalancedService] internal interface IShape { Task<NewPayload[]> Run(); }")]
    [InlineData("[BalancedService] internal interface IShape { Task<int> Run(int await, string async, int var); }")]
    [InlineData("[BalancedService] internal interface IShape { Task @await(int value); Task<int> nameof(int value); }")]
    [InlineData("[BalancedService] internal interface IShape { Task<int> Run(int _invoker, string invoker, int ShapeDefinition); }")]
    public void Generate_ShapeThatBrokeGeneratedCode_CompilesWithoutWarnings(string body)
    {
        var outcome = GeneratorHarness.Run(
            "using System; using System.Diagnostics.CodeAnalysis; using System.Threading.Tasks; using Mesh; namespace Sample;\n" + body);

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.Equal(4, outcome.GeneratedSources.Length);

        // The declaration itself may warn (it uses an obsolete or experimental type); generated code must not.
        Assert.DoesNotContain(outcome.OutputWarningsAndErrors(), diagnostic => diagnostic.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) != false);
    }

    [Fact]
    public void Generate_Calculator_MatchesBaselines()
    {
        var outcome = GeneratorHarness.Run(TestSources.Calculator);

        Baseline.Verify("Calculator", outcome.GeneratedSources);
    }

    [Fact]
    public void Generate_NestedGlobalAndEmptyServices_MatchesBaselines()
    {
        var outcome = GeneratorHarness.Run(TestSources.GlobalNamespaceService, TestSources.NestedService);

        Baseline.Verify("Services", outcome.GeneratedSources);
    }

    [Fact]
    public void Generate_NoServices_EmitsNothing()
    {
        var outcome = GeneratorHarness.Run("namespace Sample; /// <summary>Not a service.</summary>\npublic interface IPlain { }");

        Assert.Empty(outcome.GeneratedSources);
        Assert.Empty(outcome.MeshDiagnostics);
    }

    [Fact]
    public void Generate_NonServiceInterface_IgnoresIt()
    {
        var outcome = GeneratorHarness.Run(TestSources.Calculator, "namespace Other; internal interface IPlain { void NotAsync(ref int x); }");

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.DoesNotContain(outcome.GeneratedSources, source => source.HintName.Contains("IPlain", StringComparison.Ordinal));
    }

    [Fact]
    public void Generate_ServiceName_DefaultsToFullNameOrAttributeName()
    {
        var outcome = GeneratorHarness.Run(TestSources.Calculator, TestSources.GlobalNamespaceService, TestSources.NestedService);

        var names = GeneratorHarness.GetServiceModels(outcome.Result).Select(service => service.ServiceName).Order(StringComparer.Ordinal);
        Assert.Equal(["Sample.ICalculator", "Shop.Orders.IEmpty", "Shop.Orders.Ordering.IOrders", "inventory"], names);
    }

    [Fact]
    public void Generate_GeneratedCodeAttribute_CarriesGeneratorVersion()
    {
        var outcome = GeneratorHarness.Run(TestSources.Calculator);

        Assert.All(outcome.GeneratedSources, source => Assert.Contains(
            $"[global::System.CodeDom.Compiler.GeneratedCode(\"Mesh.Generators\", \"{GeneratorInfo.Version}\")]",
            source.SourceText.ToString(),
            StringComparison.Ordinal));
    }

    [Fact]
    public async Task RoundTrip_CallsThroughProxyAndDispatcher_ReachImplementation()
    {
        var outcome = GeneratorHarness.Run(TestSources.Calculator, TestSources.CalculatorRoundTrip);
        Assert.Empty(outcome.OutputWarningsAndErrors());

        using var image = new MemoryStream();
        var emitted = outcome.Output.Emit(image);
        Assert.True(emitted.Success);
        image.Position = 0;
        var assembly = new AssemblyLoadContext(nameof(RoundTrip_CallsThroughProxyAndDispatcher_ReachImplementation)).LoadFromStream(image);
        var run = assembly.GetType("Sample.RoundTrip")!.GetMethod("RunAsync")!;
        var result = await (Task<string>)run.Invoke(null, null)!;

        var unknownId = 0xDEADBEEF.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            string.Join("|",
                "5",
                "6",
                "Point { X = 0, Y = 0 }",
                "9",
                "Hi Hi Ada on Friday!",
                "Hello Bob on Monday",
                $"unknown Sample.ICalculator {unknownId}",
                "ping",
                "reset",
                "clear",
                "created/7/a,b",
                "Sample.ICalculator.AddAsync",
                "Sample.ICalculator.AddAsync",
                "Sample.ICalculator.GetOriginAsync!",
                "Sample.ICalculator.SumAsync",
                "Sample.ICalculator.GreetAsync",
                "Sample.ICalculator.PingAsync",
                "Sample.ICalculator.ResetAsync",
                "Sample.ICalculator.ClearAsync",
                "Sample.ICalculator.SendAsync"),
            result);
    }
}
