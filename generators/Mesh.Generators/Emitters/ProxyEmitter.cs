using System.Collections.Generic;
using Mesh.Generators.Model;
using static Mesh.Generators.Emitters.EmitterHelpers;

namespace Mesh.Generators.Emitters;

/// <summary>
/// Emits the client proxy of a service: a class implementing the interface whose every method writes its
/// arguments into a request and hands it to the <c>IMeshInvoker</c>.
/// </summary>
internal static class ProxyEmitter
{
    public static string Emit(ServiceModel service)
    {
        var writer = StartFile(service);
        writer.WriteLine($"/// <summary>The Mesh client of <see cref=\"{service.InterfaceTypeName}\"/>: every call runs on a node that hosts the service.</summary>");
        writer.WriteLine(GeneratedCodeAttribute);
        writer.WriteLine($"internal sealed class {service.ProxyTypeName} : {service.InterfaceTypeName}");
        writer.OpenBlock();
        writer.WriteLine("private readonly global::Mesh.Invocation.IMeshInvoker _invoker;");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Creates a proxy that sends its calls through <paramref name=\"invoker\"/>.</summary>");
        writer.WriteLine($"public {service.ProxyTypeName}(global::Mesh.Invocation.IMeshInvoker invoker)");
        writer.OpenBlock();
        writer.WriteLine("this._invoker = invoker ?? throw new global::System.ArgumentNullException(nameof(invoker));");
        writer.CloseBlock();

        foreach (var method in service.Methods)
        {
            writer.WriteLine();
            EmitMethod(writer, service, method);
        }

        writer.CloseBlock();
        return writer.ToString();
    }

    private static void EmitMethod(SourceWriter writer, ServiceModel service, MethodModel method)
    {
        var parameters = new List<string>();
        foreach (var parameter in method.Parameters)
        {
            parameters.Add((parameter.IsParams ? "params " : "") + parameter.TypeName + " " + parameter.Identifier);
        }

        if (method.CancellationTokenIdentifier is { } cancellationTokenParameter)
        {
            parameters.Add(CancellationToken + " " + cancellationTokenParameter);
        }

        var request = UniqueName("request", method, includeCancellationToken: true);
        var exception = UniqueName("exception", method, includeCancellationToken: true);
        var cancellationToken = method.CancellationTokenIdentifier ?? "default";

        // Explicit implementations: inherited methods and overloads never clash with each other or with
        // the proxy's own members, and the interface's nullable annotations are repeated exactly.
        writer.WriteLine($"{method.ReturnTypeName} {method.DeclaringInterfaceTypeName}.{method.Identifier}({string.Join(", ", parameters)})");
        writer.OpenBlock();
        writer.WriteLine($"var {request} = this._invoker.CreateRequest(global::{service.GeneratedNamespace}.{service.DefinitionTypeName}.{DescriptorFieldName(method)});");
        if (!method.Parameters.IsEmpty)
        {
            writer.WriteLine("try");
            writer.OpenBlock();
            KeyEmitter.EmitRoutingKey(writer, method, request);
            foreach (var parameter in method.Parameters)
            {
                writer.WriteLine($"{request}.WriteArgument({parameter.Identifier});");
            }

            writer.CloseBlock();
            // A stream's proxy returns no task to carry the failure: it throws, as a synchronous method does.
            writer.WriteLine(StreamEmitter.IsStream(method) ? "catch" : $"catch (global::System.Exception {exception})");
            writer.OpenBlock();
            writer.WriteLine($"{request}.Dispose();");
            writer.WriteLine(StreamEmitter.IsStream(method) ? "throw;" : $"return {FromException(method, exception)};");
            writer.CloseBlock();
            writer.WriteLine();
        }

        writer.WriteLine($"return {Invoke(method, request, cancellationToken)};");
        writer.CloseBlock();
    }

    private static string FromException(MethodModel method, string exception) => method.ReturnKind switch
    {
        ReturnKind.Task => $"{Task}.FromException({exception})",
        ReturnKind.TaskOfT => $"{Task}.FromException<{method.ResultTypeName}>({exception})",
        ReturnKind.ValueTask => $"{ValueTask}.FromException({exception})",
        _ => $"{ValueTask}.FromException<{method.ResultTypeName}>({exception})",
    };

    private static string Invoke(MethodModel method, string request, string cancellationToken) => method.ReturnKind switch
    {
        ReturnKind.Task => $"this._invoker.InvokeAsync({request}, {cancellationToken}).AsTask()",
        ReturnKind.TaskOfT => $"this._invoker.InvokeAsync<{method.ResultTypeName}>({request}, {cancellationToken}).AsTask()",
        ReturnKind.ValueTask => $"this._invoker.InvokeAsync({request}, {cancellationToken})",
        ReturnKind.AsyncEnumerable => StreamEmitter.ProxyInvoke(method, request, cancellationToken),
        _ => $"this._invoker.InvokeAsync<{method.ResultTypeName}>({request}, {cancellationToken})",
    };
}
