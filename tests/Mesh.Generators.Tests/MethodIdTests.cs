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
        Assert.Contains($"new(ServiceName, \"Add\", 0x{id:X8}U, isIdempotent: false, contract: \"Add(System.Int32,System.Int32)\")", definition.SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MethodId_OptionalParameterAppended_Unchanged()
    {
        var before = GetMethods("""
            [BalancedService]
            internal interface IOrders
            {
                Task<int> Place(string item, int quantity, CancellationToken cancellationToken);
            }
            """);
        var after = GetMethods("""
            [BalancedService]
            internal interface IOrders
            {
                Task<int> Place(string item, int quantity, string? note = null, int priority = 3, CancellationToken cancellationToken = default);
            }
            """);

        Assert.Equal(Assert.Single(before).Id, Assert.Single(after).Id);
        Assert.Equal("Place(System.String,System.Int32)", after[0].Signature);
        Assert.Equal("Place(System.String,System.Int32,[System.String],[System.Int32])", after[0].Contract);
        Assert.Equal([null, null, "null", "3"], after[0].Parameters.Select(parameter => parameter.DefaultValueExpression));
    }

    [Fact]
    public void MethodId_DefaultedParameterBeforeRequiredOne_IsPartOfId()
    {
        var methods = GetMethods("""
            [BalancedService]
            internal interface IOrders
            {
                Task Place(int quantity = 1, params string[] items);
            }
            """);

        // Only a trailing run of defaulted parameters is appended: the params array ends it.
        Assert.Equal("Place(System.Int32,System.String[])", Assert.Single(methods).Signature);
        Assert.Null(methods[0].Parameters[0].DefaultValueExpression);
    }

    [Fact]
    public void MethodId_AppendedParameterTypeChanged_IdUnchangedContractChanged()
    {
        var before = GetMethods("""
            [BalancedService]
            internal interface IOrders
            {
                Task Place(string item, int priority = 0);
            }
            """);
        var after = GetMethods("""
            [BalancedService]
            internal interface IOrders
            {
                Task Place(string item, long priority = 0);
            }
            """);

        Assert.Equal(before[0].Id, after[0].Id);
        Assert.NotEqual(before[0].Contract, after[0].Contract);
    }

    private static List<uint> GetIds(string body) => GetMethods(body).Select(method => method.Id).ToList();

    private static IReadOnlyList<Model.MethodModel> GetMethods(string body)
    {
        var outcome = GeneratorHarness.Run(Header + body);
        Assert.Empty(outcome.MeshDiagnostics);
        return Assert.Single(GeneratorHarness.GetServiceModels(outcome.Result)).Methods.ToList();
    }
}
