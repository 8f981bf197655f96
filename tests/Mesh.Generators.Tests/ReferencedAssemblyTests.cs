using Microsoft.CodeAnalysis;

namespace Mesh.Generators.Tests;

/// <summary>Services declared in referenced assemblies, and assemblies that share their internals.</summary>
public sealed class ReferencedAssemblyTests
{
    private const string Contracts = """
        using System.Runtime.CompilerServices;
        using System.Threading.Tasks;
        using Mesh;

        [assembly: InternalsVisibleTo("Friend")]

        namespace Contracts;

        [BalancedService] public interface IInventory { Task<int> Stock(string sku); }
        [BalancedService] internal interface IAudit { Task Record(string entry); }
        """;

    private const string OwnService = """
        using System.Threading.Tasks;
        using Mesh;

        namespace App;

        [BalancedService] internal interface IBasket { Task Add(string sku); }
        """;

    private const string Registration = "MeshServiceRegistration.g.cs";

    [Fact]
    public void Generate_ReferencedAssemblyWithServices_RegistersItsPublicDefinitions()
    {
        var contracts = GeneratorHarness.CompileReference("Contracts", [], Contracts);

        var outcome = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("App", [contracts], OwnService));

        Assert.Empty(outcome.OutputWarningsAndErrors());
        var registration = outcome.Source(Registration);
        Assert.Contains("Register(global::Mesh.Generated.App.BasketDefinition.Instance);", registration, StringComparison.Ordinal);
        Assert.Contains("Register(global::Mesh.Generated.Contracts.InventoryDefinition.Instance);", registration, StringComparison.Ordinal);
        Assert.DoesNotContain("AuditDefinition", registration, StringComparison.Ordinal);
        // Only this assembly's own definitions are announced to assemblies that reference it.
        Assert.Contains("[assembly: global::Mesh.Invocation.MeshServiceDefinition(typeof(global::Mesh.Generated.App.BasketDefinition))]", registration, StringComparison.Ordinal);
        Assert.DoesNotContain("MeshServiceDefinition(typeof(global::Mesh.Generated.Contracts", registration, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_NoOwnServicesButReferencedOnes_EmitsRegistrationOnly()
    {
        var contracts = GeneratorHarness.CompileReference("Contracts", [], Contracts);

        var outcome = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("Client", [contracts], "namespace Client; internal static class Program { }"));

        Assert.Empty(outcome.OutputWarningsAndErrors());
        var source = Assert.Single(outcome.GeneratedSources);
        Assert.Equal(Registration, source.HintName);
        Assert.DoesNotContain("[assembly:", source.SourceText.ToString(), StringComparison.Ordinal);
        Assert.Contains("Register(global::Mesh.Generated.Contracts.InventoryDefinition.Instance);", source.SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_FriendAssemblySharingInternals_CompilesAndRegistersInternalDefinitionsToo()
    {
        var contracts = GeneratorHarness.CompileReference("Contracts", [], Contracts);

        // "Friend" sees Contracts' internals, including its generated types: nothing may clash.
        var outcome = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("Friend", [contracts], OwnService, """
            using Contracts;
            using Mesh;
            using Mesh.Invocation;

            namespace App;

            internal static class Uses
            {
                public static ServiceDefinition<IAudit> Audit() => MeshServiceRegistry.Get<IAudit>();
            }
            """));

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.Empty(outcome.OutputWarningsAndErrors());
        var registration = outcome.Source(Registration);
        Assert.Contains("Register(global::Mesh.Generated.Contracts.AuditDefinition.Instance);", registration, StringComparison.Ordinal);
        Assert.Contains("Register(global::Mesh.Generated.Contracts.InventoryDefinition.Instance);", registration, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_ChainOfReferences_RegistersEveryReferencedAssembly()
    {
        var contracts = GeneratorHarness.CompileReference("Contracts", [], Contracts);
        var middle = GeneratorHarness.CompileReference("Middle", [contracts], OwnService.Replace("IBasket", "IMiddle", StringComparison.Ordinal).Replace("internal", "public", StringComparison.Ordinal));

        var outcome = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("Top", [contracts, middle], "namespace Top; internal static class Program { }"));

        Assert.Empty(outcome.OutputWarningsAndErrors());
        var registration = outcome.Source(Registration);
        Assert.Contains("Register(global::Mesh.Generated.App.MiddleDefinition.Instance);", registration, StringComparison.Ordinal);
        Assert.Contains("Register(global::Mesh.Generated.Contracts.InventoryDefinition.Instance);", registration, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_NoServicesAnywhere_EmitsNoRegistration()
    {
        var plain = GeneratorHarness.CompileReference("Plain", [], "namespace Plain; public interface IPlain { }");

        var outcome = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("App", [plain], "namespace App; internal static class Program { }"));

        Assert.Empty(outcome.GeneratedSources);
    }
}
