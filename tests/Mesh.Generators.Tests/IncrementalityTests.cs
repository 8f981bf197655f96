using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Mesh.Generators.Tests;

public sealed class IncrementalityTests
{
    private static readonly string[] ModelSteps =
    [
        TrackingNames.ParseResults,
        TrackingNames.Services,
        TrackingNames.NamedServices,
        TrackingNames.RegistrationEntries,
        TrackingNames.Registrations,
        TrackingNames.ReferencedDefinitions,
        TrackingNames.Registration,
    ];

    private const string Service = """
        using System.Threading;
        using System.Threading.Tasks;
        using Mesh;

        namespace Sample;

        internal sealed class Helper
        {
            public int Twice(int value) => value * 2;
        }

        [BalancedService]
        internal interface ICalculator
        {
            Task<int> AddAsync(int a, int b, CancellationToken cancellationToken);
        }
        """;

    private const string Unrelated = """
        namespace Sample;

        internal static class Unrelated
        {
            public static int Value() => 1;
        }
        """;

    [Fact]
    public void Rerun_UnrelatedFileEdited_AllStepsCachedOrUnchanged()
    {
        var (first, second) = RunTwice(Service, Unrelated, 1, Unrelated.Replace("=> 1;", "=> 2 + 3;", StringComparison.Ordinal));

        AssertCachedOrUnchanged(second, ModelSteps);
        AssertOutputsCachedOrUnchanged(second);
        Assert.Equal(
            first.GeneratedSources.Select(source => source.SourceText.ToString()),
            second.GeneratedSources.Select(source => source.SourceText.ToString()));
    }

    [Fact]
    public void Rerun_MethodBodyAboveServiceEdited_AllStepsCachedOrUnchanged()
    {
        // The edit moves the interface in its file: the model, which holds no location, must not change.
        var edited = Service.Replace("=> value * 2;", "\n        {\n            return value + value;\n        }", StringComparison.Ordinal);
        var (_, second) = RunTwice(Service, Unrelated, 0, edited);

        AssertCachedOrUnchanged(second, ModelSteps);
        AssertOutputsCachedOrUnchanged(second);
    }

    [Fact]
    public void Rerun_MethodAdded_ServiceModifiedRegistrationUnchanged()
    {
        var edited = Service.Replace(
            "CancellationToken cancellationToken);",
            "CancellationToken cancellationToken);\n    Task ResetAsync();",
            StringComparison.Ordinal);
        var (_, second) = RunTwice(Service, Unrelated, 0, edited);

        var services = second.TrackedSteps[TrackingNames.Services].SelectMany(step => step.Outputs);
        Assert.Contains(services, output => output.Reason == IncrementalStepRunReason.Modified);
        AssertCachedOrUnchanged(second, [TrackingNames.RegistrationEntries, TrackingNames.Registrations, TrackingNames.Registration]);
    }

    [Fact]
    public void Rerun_OneOfTwoServicesEdited_OnlyThatServiceIsModified()
    {
        const string Other = """
            using System.Threading.Tasks;
            using Mesh;

            namespace Sample;

            [BalancedService]
            internal interface IOther
            {
                Task Run();
            }
            """;
        var edited = Service.Replace(
            "CancellationToken cancellationToken);",
            "CancellationToken cancellationToken);\n    Task ResetAsync();",
            StringComparison.Ordinal);
        var (_, second) = RunTwice(Service, Other, 0, edited);

        var named = second.TrackedSteps[TrackingNames.NamedServices].SelectMany(step => step.Outputs).ToList();
        Assert.Equal(2, named.Count);
        Assert.Equal(
            [IncrementalStepRunReason.Modified, IncrementalStepRunReason.Unchanged],
            named.OrderBy(output => ((Model.ServiceModel)output.Value).MetadataName, StringComparer.Ordinal).Select(output => output.Reason));
    }

    private static (GeneratorRunResult First, GeneratorRunResult Second) RunTwice(string source0, string source1, int editedIndex, string editedSource)
    {
        var compilation = GeneratorHarness.CreateCompilation(source0, source1);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();

        var oldTree = compilation.SyntaxTrees.ElementAt(editedIndex);
        var newTree = CSharpSyntaxTree.ParseText(editedSource, GeneratorHarness.ParseOptions, path: oldTree.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(oldTree, newTree));
        return (first, driver.GetRunResult().Results.Single());
    }

    private static void AssertCachedOrUnchanged(GeneratorRunResult result, IEnumerable<string> stepNames)
    {
        foreach (var name in stepNames)
        {
            Assert.True(result.TrackedSteps.TryGetValue(name, out var steps), $"Step {name} did not run.");
            Assert.All(
                steps.SelectMany(step => step.Outputs),
                output => Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"Step {name} output was {output.Reason}."));
        }
    }

    private static void AssertOutputsCachedOrUnchanged(GeneratorRunResult result)
    {
        Assert.NotEmpty(result.TrackedOutputSteps);
        Assert.All(
            result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(step => step.Outputs),
            output => Assert.True(
                output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"An output step was {output.Reason}."));
    }
}
