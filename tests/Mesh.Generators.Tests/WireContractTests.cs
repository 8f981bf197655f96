using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Mesh.Generators.Tests;

/// <summary>The wire-contract baseline: WireContract.Shipped.txt / WireContract.Unshipped.txt as AdditionalFiles.</summary>
public sealed class WireContractTests
{
    private const string Header = """
        using System.Threading;
        using System.Threading.Tasks;
        using Mesh;

        namespace Shop;

        """;

    [Fact]
    public void Baseline_AllRecorded_NoDiagnostic()
    {
        var diagnostics = Analyze(
            "[BalancedService] public interface IOrders { Task<int> Place(string item, int quantity, string note = \"\", CancellationToken cancellationToken = default); Task Cancel(int id); }",
            shipped: "# Shop\nShop.IOrders|Place(System.String,System.Int32)\nShop.IOrders|Cancel(System.Int32)",
            unshipped: "Shop.IOrders|Place(System.String,System.Int32,[System.String])");

        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Baseline_NewMethod_WarnsWithTheLineToAdd()
    {
        var diagnostics = Analyze(
            "[BalancedService] public interface IOrders { Task Cancel(int id); Task<int> Count(); }",
            shipped: "Shop.IOrders|Cancel(System.Int32)",
            unshipped: "");

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("MESH0020", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains("add the line 'Shop.IOrders|Count()' to WireContract.Unshipped.txt", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Task Cancel(long id);", "a parameter's type or order changed")]
    [InlineData("Task Abort(int id);", "removed, renamed")]
    [InlineData("Task Cancel(int id, bool force = false, string reason = \"\");", "this build has 'Cancel(System.Int32,[System.Boolean],[System.String])'")]
    [InlineData("Task Cancel(int id, string reason = \"\");", "an optional parameter was removed")]
    public void Baseline_ShippedContractBroken_ReportsErrorAtTheShippedLine(string method, string reason)
    {
        var diagnostics = Analyze(
            "[BalancedService] public interface IOrders { " + method + " }",
            shipped: "Shop.IOrders|Cancel(System.Int32,[System.String],[System.Boolean])",
            unshipped: "Shop.IOrders|Cancel(System.Int64)\nShop.IOrders|Abort(System.Int32)\nShop.IOrders|Cancel(System.Int32,[System.Boolean],[System.String])\nShop.IOrders|Cancel(System.Int32,[System.String])");

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("MESH0019", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("'Cancel(System.Int32,[System.String],[System.Boolean])' of service 'Shop.IOrders'", message, StringComparison.Ordinal);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.EndsWith("WireContract.Shipped.txt", diagnostic.Location.GetLineSpan().Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Baseline_OptionalParameterAppendedToShippedMethod_OnlyAsksToRecordIt()
    {
        var diagnostics = Analyze(
            "[BalancedService] public interface IOrders { Task Cancel(int id, string reason = \"\", bool force = false); }",
            shipped: "Shop.IOrders|Cancel(System.Int32,[System.String])",
            unshipped: "");

        Assert.Equal("MESH0020", Assert.Single(diagnostics).Id);
    }

    [Fact]
    public void Baseline_ServiceRenamed_ReportsShippedServiceMissing()
    {
        var diagnostics = Analyze(
            "[BalancedService] public interface IOrderBook { Task Cancel(int id); }",
            shipped: "Shop.IOrders|Cancel(System.Int32)",
            unshipped: "Shop.IOrderBook|Cancel(System.Int32)");

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("MESH0019", diagnostic.Id);
        Assert.Contains("[BalancedService(Name = \"Shop.IOrders\")]", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Baseline_NoBaselineFiles_NotChecked()
    {
        var outcome = GeneratorHarness.Run(Header + "[BalancedService] public interface IOrders { Task Cancel(int id); }");

        Assert.Empty(outcome.MeshDiagnostics);
    }

    private static ImmutableArray<Diagnostic> Analyze(string body, string shipped, string unshipped)
    {
        var compilation = GeneratorHarness.CreateCompilation(Header + body);
        var options = new AnalyzerOptions(
        [
            new InMemoryText("/contracts/WireContract.Shipped.txt", shipped),
            new InMemoryText("/contracts/WireContract.Unshipped.txt", unshipped),
        ]);
        return compilation
            .WithAnalyzers([new BalancedServiceAnalyzer()], options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None)
            .GetAwaiter()
            .GetResult();
    }

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }
}
