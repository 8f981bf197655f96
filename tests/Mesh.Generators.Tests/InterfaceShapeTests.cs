namespace Mesh.Generators.Tests;

/// <summary>Interface shapes that need more than one interface to get right.</summary>
public sealed class InterfaceShapeTests
{
    private const string Header = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Mesh;

        namespace Sample;

        """;

    private const string Repository = """
            [Orleans.GenerateSerializer]
            public sealed record User(int Id, string Name);

            public interface IRepository<T>
                where T : class
            {
                Task<T?> Find(int id, CancellationToken cancellationToken = default);
                Task Save(T item);
                ValueTask<IReadOnlyList<T>> All();
            }

            [BalancedService]
            public interface IUserRepository : IRepository<User>
            {
                Task<int> Count();
            }
            """;

    [Fact]
    public void Generate_ClosedGenericBase_MatchesBaselines()
    {
        var outcome = GeneratorHarness.Run(Header + Repository);

        Baseline.Verify("Repository", outcome.GeneratedSources);
    }

    [Fact]
    public void Generate_ClosedGenericBase_ExposesItsMethodsWithClosedTypes()
    {
        var outcome = GeneratorHarness.Run(Header + Repository);

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.Empty(outcome.OutputWarningsAndErrors());
        var service = Assert.Single(GeneratorHarness.GetServiceModels(outcome.Result));
        Assert.Equal(
            ["Count()", "Find(System.Int32)", "Save(Sample.User)", "All()"],
            service.Methods.Select(method => method.Signature));
        Assert.All(service.Methods.Skip(1), method => Assert.Equal("global::Sample.IRepository<global::Sample.User>", method.DeclaringInterfaceTypeName));
        Assert.Equal("global::System.Threading.Tasks.Task<global::Sample.User?>", service.Methods[1].ReturnTypeName);
    }

    [Fact]
    public void Generate_GenericBaseClosedTwice_ReportsCollidingIds()
    {
        var outcome = GeneratorHarness.Run(Header + """
            public interface IStore<T> { Task Put(int key, T value); Task<int> Size(); }

            [BalancedService]
            public interface IStores : IStore<string>, IStore<int> { }
            """);

        // Put(int, string) and Put(int, int) differ; the two Size() cannot be told apart on the wire.
        Assert.Equal("MESH0009", Assert.Single(outcome.MeshDiagnostics).Id);
        Assert.Empty(outcome.GeneratedSources);
    }

    [Fact]
    public void Generate_GenericBaseMarkedAndClosedInDerivedService_OnlyTheGenericOneIsReported()
    {
        var outcome = GeneratorHarness.Run(Header + """
            [BalancedService] public interface IRepository<T> { Task Save(T item); }
            [BalancedService] public interface INames : IRepository<string> { }
            """);

        Assert.Equal("MESH0007", Assert.Single(outcome.MeshDiagnostics).Id);
        Assert.Equal("Sample.INames", Assert.Single(GeneratorHarness.GetServiceModels(outcome.Result)).ServiceName);
        Assert.DoesNotContain(outcome.OutputWarningsAndErrors(), diagnostic => diagnostic.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void Generate_InterfacesWhoseGeneratedNamesClash_GetDistinctTypeNames()
    {
        var outcome = GeneratorHarness.Run(Header + """
            [BalancedService] public interface ICalculator { Task<int> Add(int a, int b); }
            [BalancedService] public interface Calculator { Task<int> Subtract(int a, int b); }
            [BalancedService] public interface Calculator2 { Task<int> Multiply(int a, int b); }
            [BalancedService] public interface IOuter_Inner { Task Run(); }
            public static class Outer
            {
                [BalancedService] public interface IInner { Task Run(); }
            }
            """);

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.Empty(outcome.OutputWarningsAndErrors());
        var definitions = outcome.Output.SyntaxTrees
            .Where(tree => tree.FilePath.EndsWith(".Definition.g.cs", StringComparison.Ordinal))
            .Select(tree => tree.ToString())
            .Select(text => text[(text.IndexOf(" sealed class ", StringComparison.Ordinal) + 14)..].Split(' ')[0])
            .Order(StringComparer.Ordinal);
        Assert.Equal(
            ["Calculator2Definition", "Calculator3Definition", "CalculatorDefinition", "Outer_Inner2Definition", "Outer_InnerDefinition"],
            definitions);
    }

    [Fact]
    public void Generate_SameNameInDifferentNamespaces_CompilesWithDistinctWireNames()
    {
        var outcome = GeneratorHarness.Run(
            "using System.Threading.Tasks; using Mesh; namespace Shop.Billing { [BalancedService] internal interface IOrders { Task<int> Count(); } }",
            "using System.Threading.Tasks; using Mesh; namespace Shop.Shipping { [BalancedService] internal interface IOrders { Task<int> Count(); } }",
            "using System.Threading.Tasks; using Mesh; [BalancedService] internal interface IOrders { Task<int> Count(); }");

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.Empty(outcome.OutputWarningsAndErrors());
        Assert.Equal(
            ["IOrders", "Shop.Billing.IOrders", "Shop.Shipping.IOrders"],
            GeneratorHarness.GetServiceModels(outcome.Result).Select(service => service.ServiceName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Generate_PublicAndInternalInterfaces_DefinitionAccessibilityFollowsInterface()
    {
        var outcome = GeneratorHarness.Run(Header + """
            [BalancedService] public interface IOpen { Task Run(); }
            [BalancedService] internal interface IClosed { Task Run(); }
            internal static class Holder { [BalancedService] public interface INested { Task Run(); } }
            """);

        Assert.Empty(outcome.OutputWarningsAndErrors());
        Assert.Contains("public sealed class OpenDefinition", outcome.Source("Sample.IOpen.Definition.g.cs"), StringComparison.Ordinal);
        Assert.Contains("internal sealed class ClosedDefinition", outcome.Source("Sample.IClosed.Definition.g.cs"), StringComparison.Ordinal);
        Assert.Contains("internal sealed class Holder_NestedDefinition", outcome.Source("Sample.Holder+INested.Definition.g.cs"), StringComparison.Ordinal);
    }
}
