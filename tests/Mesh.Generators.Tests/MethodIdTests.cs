namespace Mesh.Generators.Tests;

public sealed class MethodIdTests
{
    private const string Header = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Mesh;

        namespace Sample;

        """;

    [Fact]
    public void MethodId_DocumentedExample_IsStableHashOfSignature()
    {
        var methods = GetMethods("""
            [BalancedService]
            internal interface ICalculator
            {
                Task<int> Add(int a, int b, CancellationToken cancellationToken);
            }
            """);

        var add = Assert.Single(methods);
        Assert.Equal("Add(System.Int32,System.Int32)", add.Signature);
        Assert.Equal(StableHash.Compute("Add(System.Int32,System.Int32)"), add.Id);
    }

    [Fact]
    public void MethodId_MethodsReordered_Unchanged()
    {
        var before = GetIds("""
            [BalancedService]
            internal interface ICalculator
            {
                Task<int> Add(int a, int b);
                Task Reset();
                ValueTask<string> Describe(List<int> values);
            }
            """);
        var after = GetIds("""
            [BalancedService]
            internal interface ICalculator
            {
                ValueTask<string> Describe(List<int> values);
                Task<int> Add(int a, int b);
                Task Reset();
            }
            """);

        Assert.Equal(before.Order(), after.Order());
    }

    [Fact]
    public void MethodId_MethodAdded_ExistingIdsUnchanged()
    {
        var before = GetIds("""
            [BalancedService]
            internal interface ICalculator
            {
                Task<int> Add(int a, int b);
                Task Reset();
            }
            """);
        var after = GetIds("""
            [BalancedService]
            internal interface ICalculator
            {
                Task<int> Add(int a, int b);
                Task<int> Add(int a, int b, int c);
                Task Reset();
            }
            """);

        Assert.Equal(3, after.Count);
        Assert.Subset(after.ToHashSet(), before.ToHashSet());
    }

    [Fact]
    public void MethodId_ParameterNamesNullabilityAndToken_DoNotChangeId()
    {
        var before = GetIds("""
            [BalancedService]
            internal interface IStore
            {
                Task Put(string key, List<string> values);
            }
            """);
        var after = GetIds("""
            [BalancedService]
            internal interface IStore
            {
                ValueTask Put(string? name, List<string?> items, CancellationToken cancellationToken = default);
            }
            """);

        Assert.Equal(before, after);
    }

    [Fact]
    public void MethodSignature_VariousParameterTypes_UsesClrNames()
    {
        var methods = GetMethods("""
            [BalancedService]
            internal interface IStore
            {
                Task Put(string key, List<int> values, int[] counts, int? limit, (int Count, string Name) pair, Dictionary<string, long> map);
            }
            """);

        Assert.Equal(
            "Put(System.String,System.Collections.Generic.List<System.Int32>,System.Int32[],System.Int32?,System.ValueTuple<System.Int32, System.String>,System.Collections.Generic.Dictionary<System.String, System.Int64>)",
            Assert.Single(methods).Signature);
    }

    [Fact]
    public void MethodId_GeneratedDefinition_UsesComputedId()
    {
        var outcome = GeneratorHarness.Run(Header + """
            [BalancedService]
            internal interface ICalculator
            {
                Task<int> Add(int a, int b);
            }
            """);

        var id = StableHash.Compute("Add(System.Int32,System.Int32)");
        var definition = outcome.GeneratedSources.Single(source => source.HintName == "Sample.ICalculator.Definition.g.cs");
        Assert.Contains($"new(ServiceName, \"Add\", 0x{id:X8}U, isIdempotent: false)", definition.SourceText.ToString(), StringComparison.Ordinal);
    }

    private static List<uint> GetIds(string body) => GetMethods(body).Select(method => method.Id).ToList();

    private static IReadOnlyList<Model.MethodModel> GetMethods(string body)
    {
        var outcome = GeneratorHarness.Run(Header + body);
        Assert.Empty(outcome.GeneratorDiagnostics);
        return Assert.Single(GeneratorHarness.GetServiceModels(outcome.Result)).Methods.ToList();
    }
}
