using System.Globalization;
using Mesh.Generators.Model;
using Microsoft.CodeAnalysis.CSharp;
using static Mesh.Generators.Emitters.EmitterHelpers;

namespace Mesh.Generators.Emitters;

/// <summary>
/// Emits the <c>ServiceDefinition&lt;TService&gt;</c> of a service: its wire name, one static
/// <c>MeshMethod</c> per method (shared with the proxy), and the factory and dispatch entry points.
/// </summary>
internal static class DefinitionEmitter
{
    public static string Emit(ServiceModel service)
    {
        var writer = StartFile(service);
        writer.WriteLine($"/// <summary>The Mesh definition of <see cref=\"{service.InterfaceTypeName}\"/>: its wire name, methods, client proxy and dispatcher.</summary>");
        writer.WriteLine(GeneratedCodeAttribute);
        if (service.IsPublic)
        {
            // Public so that the registration generated in referencing assemblies can name it.
            writer.WriteLine("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        }

        writer.WriteLine($"{(service.IsPublic ? "public" : "internal")} sealed class {service.DefinitionTypeName} : global::Mesh.Invocation.ServiceDefinition<{service.InterfaceTypeName}>");
        writer.OpenBlock();
        writer.WriteLine("/// <summary>The service's wire name.</summary>");
        writer.WriteLine($"internal const string ServiceName = {SymbolDisplay.FormatLiteral(service.ServiceName, quote: true)};");

        foreach (var method in service.Methods)
        {
            writer.WriteLine();
            writer.WriteLine($"/// <summary>The descriptor of <c>{XmlEscape(method.Contract)}</c>.</summary>");
            writer.WriteLine(
                $"internal static readonly {MeshMethod} {DescriptorFieldName(method)} = " +
                $"new(ServiceName, {SymbolDisplay.FormatLiteral(method.Name, quote: true)}, {FormatId(method.Id)}, isIdempotent: {(method.IsIdempotent ? "true" : "false")}, contract: {SymbolDisplay.FormatLiteral(method.Contract, quote: true)});");
        }

        writer.WriteLine();
        writer.WriteLine("/// <summary>What this version of the service offers, for the error a caller of another version gets.</summary>");
        writer.WriteLine($"internal const string OfferedMethods = {SymbolDisplay.FormatLiteral(DescribeOfferedMethods(service), quote: true)};");
        writer.WriteLine();
        writer.WriteLine($"private static readonly global::System.Collections.Generic.IReadOnlyList<{MeshMethod}> AllMethods =");
        writer.Indent();
        if (service.Methods.IsEmpty)
        {
            writer.WriteLine($"global::System.Array.Empty<{MeshMethod}>();");
        }
        else
        {
            writer.WriteLine($"global::System.Array.AsReadOnly(new {MeshMethod}[]");
            writer.OpenBlock();
            foreach (var method in service.Methods)
            {
                writer.WriteLine($"{DescriptorFieldName(method)},");
            }

            writer.CloseBlock(");");
        }

        writer.Unindent();
        writer.WriteLine();
        writer.WriteLine($"private {service.DefinitionTypeName}()");
        writer.OpenBlock();
        writer.CloseBlock();
        writer.WriteLine();
        writer.WriteLine("/// <summary>The definition; it has no state.</summary>");
        writer.WriteLine($"public static {service.DefinitionTypeName} Instance {{ get; }} = new();");
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc />");
        writer.WriteLine("public override string Name => ServiceName;");
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc />");
        writer.WriteLine($"public override global::System.Collections.Generic.IReadOnlyList<{MeshMethod}> Methods => AllMethods;");
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc />");
        writer.WriteLine($"public override {service.InterfaceTypeName} CreateProxy(global::Mesh.Invocation.IMeshInvoker invoker) => new {service.ProxyTypeName}(invoker);");
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc />");
        writer.WriteLine($"public override {ValueTask} DispatchAsync({service.InterfaceTypeName} target, global::Mesh.Invocation.IncomingRequest request, {CancellationToken} cancellationToken)");
        writer.Indent();
        writer.WriteLine($"=> {service.DispatcherTypeName}.DispatchAsync(target, request, cancellationToken);");
        writer.Unindent();
        writer.CloseBlock();
        return writer.ToString();
    }

    /// <summary>
    /// The sentence the dispatcher adds to <c>UnknownMethodException</c>: this build's contracts of the
    /// service's methods, so that a caller of another version sees both sides' view.
    /// </summary>
    private static string DescribeOfferedMethods(ServiceModel service)
    {
        if (service.Methods.IsEmpty)
        {
            return "This node's version of the service has no methods.";
        }

        var contracts = new string[service.Methods.Count];
        for (var i = 0; i < contracts.Length; i++)
        {
            contracts[i] = service.Methods[i].Contract;
        }

        System.Array.Sort(contracts, System.StringComparer.Ordinal);
        return "This node's version of the service offers: " + string.Join(", ", contracts) + ".";
    }

    /// <summary>A method id as a C# literal: <c>0x1A2B3C4DU</c>.</summary>
    public static string FormatId(uint id) => "0x" + id.ToString("X8", CultureInfo.InvariantCulture) + "U";
}
