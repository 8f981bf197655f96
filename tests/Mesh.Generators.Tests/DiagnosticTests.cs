using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Mesh.Generators.Tests;

public sealed class DiagnosticTests
{
    /// <summary>Put right before the name of the member the diagnostic must point at.</summary>
    private const string Marker = "/*!*/";

    private const string Header = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Mesh;

        namespace Sample;

        """;

    [Theory]
    [InlineData("MESH0001", "Ping", "[BalancedService] internal interface IBad { void /*!*/Ping(); }")]
    [InlineData("MESH0001", "Count", "[BalancedService] internal interface IBad { int /*!*/Count(); }")]
    [InlineData("MESH0001", "Items", "[BalancedService] internal interface IBad { IEnumerable<int> /*!*/Items(); }")]
    [InlineData("MESH0040", "IAsyncEnumerable<int> instead", "[BalancedService] internal interface IBad { IAsyncEnumerator<int> /*!*/Load(); }")]
    [InlineData("MESH0040", "not wrapped in a task", "[BalancedService] internal interface IBad { Task<IAsyncEnumerable<int>> /*!*/Load(); }")]
    [InlineData("MESH0040", "not wrapped in a task", "[BalancedService] internal interface IBad { ValueTask<IAsyncEnumerable<int>> /*!*/Load(); }")]
    [InlineData("MESH0041", "items", "[BalancedService] internal interface IBad { Task /*!*/Upload(IAsyncEnumerable<int> items); }")]
    [InlineData("MESH0041", "server streaming", "[BalancedService] internal interface IBad { IAsyncEnumerable<int> /*!*/Echo(IAsyncEnumerable<int> items); }")]
    [InlineData("MESH0015", "Span<byte>", "[BalancedService] internal interface IBad { IAsyncEnumerable<Span<byte>> /*!*/Load(); }")]
    [InlineData("MESH0002", "value", "[BalancedService] internal interface IBad { Task /*!*/Get(ref int value); }")]
    [InlineData("MESH0002", "ref readonly", "[BalancedService] internal interface IBad { Task /*!*/Get(ref readonly int value); }")]
    [InlineData("MESH0002", "value", "[BalancedService] internal interface IBad { Task /*!*/Get(out int value); }")]
    [InlineData("MESH0002", "value", "[BalancedService] internal interface IBad { Task /*!*/Get(in int value); }")]
    [InlineData("MESH0003", "Get", "[BalancedService] internal interface IBad { Task<T> /*!*/Get<T>(); }")]
    [InlineData("MESH0004", "Count", "[BalancedService] internal interface IBad { int /*!*/Count { get; } }")]
    [InlineData("MESH0004", "Changed", "[BalancedService] internal interface IBad { event EventHandler /*!*/Changed; }")]
    [InlineData("MESH0004", "this[int]", "[BalancedService] internal interface IBad { Task<int> /*!*/this[int index] { get; } }")]
    [InlineData("MESH0004", "Create", "[BalancedService] internal interface IBad { static abstract Task /*!*/Create(); }")]
    [InlineData("MESH0005", "cancellationToken", "[BalancedService] internal interface IBad { Task /*!*/Run(CancellationToken cancellationToken, int value); }")]
    [InlineData("MESH0006", "values", "[BalancedService] internal interface IBad { Task /*!*/Run(Span<int> values); }")]
    [InlineData("MESH0007", "IBad<T>", "[BalancedService] internal interface /*!*/IBad<T> { Task Run(T value); }")]
    [InlineData("MESH0008", "private", "internal static class Outer { [BalancedService] private interface /*!*/IBad { Task Run(); } }")]
    [InlineData("MESH0009", "IBase.Run()", "internal interface IBase { Task /*!*/Run(); } [BalancedService] internal interface IBad : IBase { new Task Run(); }")]
    [InlineData("MESH0008", "file-local", "[BalancedService] file interface /*!*/IBad { Task Run(); }")]
    [InlineData("MESH0008", "nested in the private type", "internal static class Outer { private static class Inner { [BalancedService] internal interface /*!*/IBad { Task Run(); } } }")]
    [InlineData("MESH0011", "a class", "[BalancedService] internal sealed class /*!*/Bad { }")]
    [InlineData("MESH0011", "a struct", "[BalancedService] internal struct /*!*/Bad { }")]
    [InlineData("MESH0011", "a record", "[BalancedService] internal sealed record /*!*/Bad(int Value);")]
    [InlineData("MESH0010", "IBad", "[/*!*/BalancedService(Name = \"\")] internal interface IBad { Task Run(); }")]
    [InlineData("MESH0004", "static abstract", "[BalancedService] internal interface IBad { static abstract int /*!*/Count { get; } }")]
    [InlineData("MESH0005", "declare a single CancellationToken", "[BalancedService] internal interface IBad { Task /*!*/Run(CancellationToken first, CancellationToken second); }")]
    [InlineData("MESH0006", "__arglist", "[BalancedService] internal interface IBad { Task /*!*/Run(__arglist); }")]
    [InlineData("MESH0006", "the call's token", "[BalancedService] internal interface IBad { Task /*!*/Run(CancellationToken? token); }")]
    [InlineData("MESH0006", "dynamic", "[BalancedService] internal interface IBad { Task /*!*/Run(dynamic value); }")]
    [InlineData("MESH0009", "keep one of the two", "[BalancedService] internal interface IBad { Task Run(); Task /*!*/Run(CancellationToken cancellationToken); }")]
    [InlineData("MESH0013", "protected", "[BalancedService] internal interface IBad { protected Task /*!*/Run(int value); }")]
    [InlineData("MESH0014", "Obsolete", "[BalancedService] internal interface IBad { [Obsolete(\"gone\", true)] Task /*!*/Run(); }")]
    [InlineData("MESH0014", "Obsolete", "[Obsolete(\"gone\", true)] [BalancedService] internal interface /*!*/IBad { Task Run(); }")]
    [InlineData("MESH0015", "Span<byte>", "[BalancedService] internal interface IBad { Task<Span<byte>> /*!*/Run(); }")]
    [InlineData("MESH0015", "int*", "[BalancedService] internal unsafe interface IBad { Task<int*> /*!*/Run(); }")]
    [InlineData("MESH0015", "dynamic", "[BalancedService] internal interface IBad { Task<dynamic> /*!*/Run(); }")]
    [InlineData("MESH0016", "System.IAsyncDisposable", "[BalancedService] internal interface /*!*/IBad : IAsyncDisposable { Task Run(); }")]
    [InlineData("MESH0016", "System.IDisposable", "[BalancedService] internal interface /*!*/IBad : IDisposable { Task Run(); }")]
    public void Generate_UnsupportedShape_ReportsDiagnosticAtMemberAndSkipsInterface(string id, string named, string body)
    {
        var source = Header + body;
        var compilation = GeneratorHarness.CreateCompilation(source);
        var outcome = GeneratorHarness.Run(compilation.WithOptions(compilation.Options.WithAllowUnsafe(true)));

        var diagnostic = Assert.Single(outcome.MeshDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(named, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(GeneratorHarness.SourcePath(0), diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(source.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length, diagnostic.Location.SourceSpan.Start);
        Assert.Empty(outcome.GeneratedSources);
    }

    [Fact]
    public void Generate_InheritedUnsupportedMember_ReportsAtBaseMember()
    {
        var source = Header + "internal interface IBase { void /*!*/Reset(); } [BalancedService] internal interface IBad : IBase { Task Run(); }";
        var outcome = GeneratorHarness.Run(source);

        var diagnostic = Assert.Single(outcome.MeshDiagnostics);
        Assert.Equal("MESH0001", diagnostic.Id);
        Assert.Contains("'Sample.IBad'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(source.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length, diagnostic.Location.SourceSpan.Start);
        Assert.Empty(outcome.GeneratedSources);
    }

    [Fact]
    public void Generate_MemberInheritedFromMetadata_ReportsAtServiceInterface()
    {
        var library = GeneratorHarness.CompileReference(
            "Library",
            [],
            "namespace Library; public interface IBase { void Reset(); int Count { get; } }");
        var source = Header + "[BalancedService] internal interface /*!*/IBad : Library.IBase { Task Run(); }";

        var outcome = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("Consumer", [library], source));

        Assert.Equal(["MESH0001", "MESH0004"], outcome.MeshDiagnostics.Select(diagnostic => diagnostic.Id).Order(StringComparer.Ordinal));
        Assert.All(outcome.MeshDiagnostics, diagnostic =>
        {
            Assert.Equal(GeneratorHarness.SourcePath(0), diagnostic.Location.GetLineSpan().Path);
            Assert.Equal(source.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length, diagnostic.Location.SourceSpan.Start);
        });
        var messages = outcome.MeshDiagnostics.Select(diagnostic => diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(messages, message => message.Contains("Library.IBase.Reset()", StringComparison.Ordinal));
        Assert.Contains(messages, message => message.Contains("Library.IBase.Count", StringComparison.Ordinal));
        Assert.DoesNotContain(outcome.GeneratedSources, source => source.HintName.Contains("IBad", StringComparison.Ordinal));
    }

    [Fact]
    public void Generate_TwoServicesWithOneWireName_ReportsAtTheSecond()
    {
        var source = Header + """
            [BalancedService(Name = "orders")] internal interface IFirst { Task Run(); }
            [BalancedService(Name = "orders")] internal interface /*!*/ISecond { Task Run(); }
            [BalancedService(Name = "other")] internal interface IThird { Task Run(); }
            """;

        var outcome = GeneratorHarness.Run(source);

        var diagnostic = Assert.Single(outcome.MeshDiagnostics);
        Assert.Equal("MESH0012", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("'Sample.IFirst' and 'Sample.ISecond'", message, StringComparison.Ordinal);
        Assert.Contains($"0x{StableHash.Compute("orders"):x8}", message, StringComparison.Ordinal);
        Assert.Equal(source.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length, diagnostic.Location.SourceSpan.Start);
    }

    [Fact]
    public void Generate_DefaultNameEqualToExplicitName_ReportsDuplicate()
    {
        var outcome = GeneratorHarness.Run(Header + """
            [BalancedService] internal interface IFirst { Task Run(); }
            [BalancedService(Name = "Sample.IFirst")] internal interface ISecond { Task Run(); }
            """);

        Assert.Equal("MESH0012", Assert.Single(outcome.MeshDiagnostics).Id);
    }

    [Fact]
    public void Generate_AttributeOnClass_OnlyCompilerAndMeshErrorsNoGeneratedCode()
    {
        var outcome = GeneratorHarness.Run(Header + "[BalancedService] internal sealed class Bad { public Task Run() => Task.CompletedTask; }");

        Assert.Equal("MESH0011", Assert.Single(outcome.MeshDiagnostics).Id);
        Assert.Empty(outcome.GeneratedSources);
        Assert.Equal(["CS0592"], outcome.Output.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => diagnostic.Id));
    }

    [Fact]
    public void Generate_BadAndGoodInterfaces_GeneratesOnlyTheGoodOne()
    {
        var outcome = GeneratorHarness.Run(
            Header + "[BalancedService] internal interface IBad { void Ping(); }",
            Header + "[BalancedService] internal interface IGood { Task Ping(); }");

        Assert.Equal("MESH0001", Assert.Single(outcome.MeshDiagnostics).Id);
        Assert.DoesNotContain(outcome.GeneratedSources, source => source.HintName.Contains("IBad", StringComparison.Ordinal));
        Assert.Contains(outcome.GeneratedSources, source => source.HintName == "Sample.IGood.Proxy.g.cs");
        var registration = outcome.GeneratedSources.Single(source => source.HintName == "MeshServiceRegistration.g.cs").SourceText.ToString();
        Assert.DoesNotContain("BadDefinition", registration, StringComparison.Ordinal);
        Assert.Contains("GoodDefinition", registration, StringComparison.Ordinal);

        // Only the user's own error remains: generated code adds none.
        Assert.Empty(outcome.Output.GetDiagnostics().Where(diagnostic => diagnostic.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true));
    }

    [Fact]
    public void Generate_SeveralProblems_ReportsEach()
    {
        var outcome = GeneratorHarness.Run(Header + "[BalancedService] internal interface IBad { void Ping(); int Count { get; } Task Get(out int value); }");

        Assert.Equal(["MESH0001", "MESH0002", "MESH0004"], outcome.MeshDiagnostics.Select(diagnostic => diagnostic.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Generate_DefaultImplementationsAndStaticMembers_AreNotRemoteMethods()
    {
        var outcome = GeneratorHarness.Run(Header + """
            [BalancedService]
            internal interface IGood
            {
                Task Run();
                Task RunTwice() => Run();
                static Task Helper() => Task.CompletedTask;
                const int Limit = 3;
            }
            """);

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.Equal(["Run"], GeneratorHarness.GetServiceModels(outcome.Result).Single().Methods.Select(method => method.Name));
        Assert.Empty(outcome.OutputWarningsAndErrors());
    }

    [Fact]
    public void Descriptors_All_HaveUniqueIdsTitlesAndHelpText()
    {
        var descriptors = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
            .ToList();

        Assert.Equal(26, descriptors.Count);
        Assert.Equal(descriptors.Count, descriptors.Select(descriptor => descriptor.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(descriptors, descriptor =>
        {
            Assert.Matches("^MESH[0-9]{4}$", descriptor.Id);
            Assert.NotEmpty(descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.NotEmpty(descriptor.Description.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(descriptor.Id is "MESH0012" or "MESH0017" or "MESH0018" or "MESH0020" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, descriptor.DefaultSeverity);
        });
    }

    [Fact]
    public void Descriptors_EveryMessage_SaysHowToFixIt()
    {
        // A build log shows the message, not the description: the fix must be in the message, after ':' or ';'.
        var fixVerbs = new[] { "remove", "declare", "make", "change", "set", "give", "add", "keep", "replace", "use", "send", "move", "mark" };
        var descriptors = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!);

        Assert.All(descriptors, descriptor =>
        {
            var message = descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var fix = message[(message.IndexOfAny([':', ';']) + 1)..];
            Assert.True(
                message.Contains("{3}", StringComparison.Ordinal) && descriptor.Id is "MESH0006" or "MESH0015"
                    || fixVerbs.Any(verb => fix.Contains(verb, StringComparison.OrdinalIgnoreCase)),
                $"{descriptor.Id} does not say how to fix it: {message}");
        });
    }

    [Fact]
    public void Suppression_PragmaAroundDuplicateName_NoDiagnostic()
    {
        var outcome = GeneratorHarness.Run(Header + """
            [BalancedService(Name = "orders")] internal interface IFirst { Task Run(); }
            #pragma warning disable MESH0012 // two versions of one service, on purpose
            [BalancedService(Name = "orders")] internal interface ISecond { Task Run(); }
            #pragma warning restore MESH0012
            """);

        Assert.Empty(outcome.MeshDiagnostics);
    }

    [Fact]
    public void Suppression_SuppressMessageOnService_NoDiagnostic()
    {
        var outcome = GeneratorHarness.Run(Header + """
            [BalancedService]
            [System.Diagnostics.CodeAnalysis.SuppressMessage("Mesh", "MESH0017:Balanced service declares no methods", Justification = "Methods come in the next version")]
            internal interface IEmpty { }
            """);

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.Contains(outcome.GeneratedSources, generated => generated.HintName == "Sample.IEmpty.Proxy.g.cs");
    }

    [Fact]
    public void Suppression_PragmaAroundRefusedMember_NoDiagnosticAndNoGeneratedCode()
    {
        var outcome = GeneratorHarness.Run(Header + """
            [BalancedService]
            internal interface IBad
            {
            #pragma warning disable MESH0001
                void Ping();
            #pragma warning restore MESH0001
            }
            """);

        Assert.Empty(outcome.MeshDiagnostics);

        // Suppressing the diagnostic does not make the shape supported: the service still generates nothing.
        Assert.DoesNotContain(outcome.GeneratedSources, generated => generated.HintName.Contains("IBad", StringComparison.Ordinal));
    }

    [Fact]
    public void Diagnostics_StaticAbstractProperty_ReportedOnce()
    {
        var outcome = GeneratorHarness.Run(Header + "[BalancedService] internal interface IBad { static abstract int Count { get; set; } Task Run(); }");

        Assert.Equal("MESH0004", Assert.Single(outcome.MeshDiagnostics).Id);
    }

    [Fact]
    public void Generate_TypeWithoutVisibleSerializer_WarnsOncePerMethodAndStillGenerates()
    {
        var source = Header + """
            internal sealed record Plain(int Value);
            [Orleans.GenerateSerializer] internal sealed record Marked(int Value);
            internal enum Color { Red }
            [BalancedService]
            internal interface IShop
            {
                Task<Plain> /*!*/Get(List<Plain> items, Plain? first, Marked marked);
                Task<Dictionary<string, Marked[]>> Good(Color color, IDisposable any, (int, string) pair, Guid id);
            }
            """;
        var outcome = GeneratorHarness.Run(source);

        var diagnostic = Assert.Single(outcome.MeshDiagnostics);
        Assert.Equal("MESH0018", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains("sends 'Sample.Plain' without", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(source.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length, diagnostic.Location.SourceSpan.Start);
        Assert.Contains(outcome.GeneratedSources, generated => generated.HintName == "Sample.IShop.Proxy.g.cs");
    }

    [Fact]
    public void Generate_EmptyService_WarnsAndStillGenerates()
    {
        var source = Header + "[BalancedService] internal interface /*!*/IEmpty { }";
        var outcome = GeneratorHarness.Run(source);

        var diagnostic = Assert.Single(outcome.MeshDiagnostics);
        Assert.Equal("MESH0017", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains("'Sample.IEmpty'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(source.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length, diagnostic.Location.SourceSpan.Start);
        Assert.Contains(outcome.GeneratedSources, generated => generated.HintName == "Sample.IEmpty.Proxy.g.cs");
    }

    [Fact]
    public void Descriptors_All_AreTrackedInAnalyzerReleases()
    {
        var releases = File.ReadAllText(Path.Combine(RepoDirectory(), "generators", "Mesh.Generators", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(RepoDirectory(), "generators", "Mesh.Generators", "AnalyzerReleases.Shipped.md"));
        var ids = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => ((DiagnosticDescriptor)field.GetValue(null)!).Id);

        Assert.All(ids, id => Assert.Matches($@"{id} \| Mesh \| (Error|Warning) \|", releases));
    }

    private static string RepoDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
