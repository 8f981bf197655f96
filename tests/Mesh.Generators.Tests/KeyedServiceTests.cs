using System.Globalization;
using Microsoft.CodeAnalysis;

namespace Mesh.Generators.Tests;

public sealed class KeyedServiceTests
{
    /// <summary>Put right before the name of the member the diagnostic must point at.</summary>
    private const string Marker = "/*!*/";

    private const string Header = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Mesh;

        namespace Sample;

        """;

    [Theory]
    [InlineData("MESH0030", "'when' of method 'Sample.ICart.Add(System.DateTime, int)' is marked [Key] but is a 'System.DateTime'", "[BalancedService(Keyed = true)] internal interface ICart { Task Add([Key] DateTime /*!*/when, int quantity); }")]
    [InlineData("MESH0030", "is a 'string?'; a key must be a non-nullable string", "[BalancedService(Keyed = true)] internal interface ICart { Task Add([Key] string? /*!*/cart, int quantity); }")]
    [InlineData("MESH0030", "is a 'int?'", "[BalancedService(Keyed = true)] internal interface ICart { Task Add([Key] int? /*!*/cart, int quantity); }")]
    [InlineData("MESH0030", "is a 'System.Threading.CancellationToken'", "[BalancedService(Keyed = true)] internal interface ICart { Task Add(int quantity, [Key] CancellationToken /*!*/cancellationToken); }")]
    [InlineData("MESH0031", "('tenant', 'cart')", "[BalancedService(Keyed = true)] internal interface ICart { Task Add([Key] string tenant, [Key] string /*!*/cart); }")]
    [InlineData("MESH0032", "mark the interface [BalancedService(Keyed = true)]", "[BalancedService] internal interface ICart { Task Add([Key] string /*!*/cart, int quantity); }")]
    [InlineData("MESH0033", "Method 'Sample.ICart.Clear()' of keyed service 'Sample.ICart' has no parameter marked [Key]", "[BalancedService(Keyed = true)] internal interface ICart { Task Add([Key] string cart); Task /*!*/Clear(); }")]
    [InlineData("MESH0033", "add [Key] to the parameter", "internal interface IBase { Task /*!*/Clear(string cart); } [BalancedService(Keyed = true)] internal interface ICart : IBase { Task Add([Key] string cart); }")]
    public void Generate_KeyMisuse_ReportsDiagnosticThatSaysHowToFixIt(string id, string message, string body)
    {
        var source = Header + body;

        var outcome = GeneratorHarness.Run(source);

        var diagnostic = Assert.Single(outcome.MeshDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(message, diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(source.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length, diagnostic.Location.SourceSpan.Start);
        Assert.Empty(outcome.GeneratedSources);
    }

    [Theory]
    [InlineData("string")]
    [InlineData("Guid")]
    [InlineData("int")]
    [InlineData("uint")]
    [InlineData("long")]
    [InlineData("ulong")]
    public void Generate_KeyOfSupportedType_SetsRoutingKeyAndCompilesWithoutWarnings(string keyType)
    {
        var outcome = GeneratorHarness.Run(Header + $$"""
            [BalancedService(Keyed = true)]
            internal interface ICart
            {
                Task<int> Add(int quantity, [Key] {{keyType}} cart, CancellationToken cancellationToken = default);
                ValueTask Clear([Key] {{keyType}} cart);
            }
            """);

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.Empty(outcome.OutputWarningsAndErrors());
        var proxy = outcome.GeneratedSources.Single(source => source.HintName.Contains("Proxy", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Equal(2, CountOf(proxy, "request.RoutingKey = global::Mesh.MeshKey.Hash(cart);"));
        var key = Assert.Single(GeneratorHarness.GetServiceModels(outcome.Result).Single().Methods.Single(method => method.Name == "Add").Parameters, parameter => parameter.IsKey);
        Assert.Equal("cart", key.Identifier);
    }

    [Fact]
    public void Generate_ServiceNotKeyed_SetsNoRoutingKey()
    {
        var outcome = GeneratorHarness.Run(Header + "[BalancedService] internal interface ICart { Task Add(string cart); }");

        Assert.Empty(outcome.MeshDiagnostics);
        var proxy = outcome.GeneratedSources.Single(source => source.HintName.Contains("Proxy", StringComparison.Ordinal)).SourceText.ToString();
        Assert.DoesNotContain("RoutingKey", proxy, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_KeyedMethodIdAndContract_SameAsWithoutKey()
    {
        // [Key] changes routing only: the method's id and wire contract stay, so marking a service keyed is compatible on the wire.
        var keyed = GeneratorHarness.GetServiceModels(GeneratorHarness.Run(Header + "[BalancedService(Keyed = true)] internal interface ICart { Task Add([Key] string cart, int quantity); }").Result).Single();
        var plain = GeneratorHarness.GetServiceModels(GeneratorHarness.Run(Header + "[BalancedService] internal interface ICart { Task Add(string cart, int quantity); }").Result).Single();

        Assert.Equal(plain.Methods.Single().Id, keyed.Methods.Single().Id);
        Assert.Equal(plain.Methods.Single().Contract, keyed.Methods.Single().Contract);
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
