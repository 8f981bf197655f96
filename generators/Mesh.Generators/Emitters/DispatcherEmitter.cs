using System.Collections.Generic;
using Mesh.Generators.Model;
using static Mesh.Generators.Emitters.EmitterHelpers;

namespace Mesh.Generators.Emitters;

/// <summary>
/// Emits the server side of a service: a switch on the method id that reads the arguments, awaits the
/// implementation and writes its result. <c>XDefinition.DispatchAsync</c> calls it.
/// </summary>
internal static class DispatcherEmitter
{
    private const string IncomingRequest = "global::Mesh.Invocation.IncomingRequest";

    public static string Emit(ServiceModel service)
    {
        var writer = StartFile(service);
        writer.WriteLine($"/// <summary>Runs calls that other nodes make to <see cref=\"{service.InterfaceTypeName}\"/> on a local implementation.</summary>");
        writer.WriteLine(GeneratedCodeAttribute);
        writer.WriteLine($"internal static class {service.DispatcherTypeName}");
        writer.OpenBlock();
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// Reads the arguments of <paramref name=\"request\"/>, calls the method it names on <paramref name=\"target\"/>");
        writer.WriteLine("/// and writes the method's result to it.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("/// <exception cref=\"global::Mesh.UnknownMethodException\">The service has no method with the request's id.</exception>");
        writer.WriteLine($"public static {ValueTask} DispatchAsync({service.InterfaceTypeName} target, {IncomingRequest} request, {CancellationToken} cancellationToken)");
        writer.OpenBlock();
        writer.WriteLine("switch (request.MethodId)");
        writer.OpenBlock();
        foreach (var method in service.Methods)
        {
            writer.WriteLine($"case {DefinitionEmitter.FormatId(method.Id)}: // {method.Contract}");
            writer.Indent();
            writer.WriteLine($"return {InvokerName(method)}(target, request, cancellationToken);");
            writer.Unindent();
        }

        writer.WriteLine("default:");
        writer.Indent();
        writer.WriteLine($"throw global::Mesh.UnknownMethodException.VersionMismatch({service.DefinitionTypeName}.ServiceName, request.MethodId, null, {service.DefinitionTypeName}.OfferedMethods);");
        writer.Unindent();
        writer.CloseBlock();
        writer.CloseBlock();

        foreach (var method in service.Methods)
        {
            writer.WriteLine();
            EmitInvoker(writer, service, method);
        }

        writer.CloseBlock();
        return writer.ToString();
    }

    private static string InvokerName(MethodModel method) => "Invoke" + method.MemberStem;

    private static void EmitInvoker(SourceWriter writer, ServiceModel service, MethodModel method)
    {
        // The method's parameters become locals, so the invoker's own parameters avoid their names.
        var target = UniqueName("target", method, includeCancellationToken: false);
        var request = UniqueName("request", method, includeCancellationToken: false);
        var cancellationToken = UniqueName("cancellationToken", method, includeCancellationToken: false);
        var result = UniqueName("result", method, includeCancellationToken: false);

        // Pooled: a handler that really awaits suspends this invoker too, and its state machine is reused, not allocated per call.
        writer.WriteLine("[global::System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(global::System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]");
        writer.WriteLine($"private static async {ValueTask} {InvokerName(method)}({service.InterfaceTypeName} {target}, {IncomingRequest} {request}, {CancellationToken} {cancellationToken})");
        writer.OpenBlock();
        var arguments = new List<string>();

        // Appended parameters (trailing, with a default value) are not part of the method id: an older
        // caller does not send them, so they default; a newer caller's extra ones are left unread.
        foreach (var parameter in method.Parameters)
        {
            var read = parameter.DefaultValueExpression is { } defaultValue
                ? $"ReadArgumentOrDefault<{parameter.TypeName}>({defaultValue})"
                : $"ReadArgument<{parameter.TypeName}>()";
            writer.WriteLine($"var {parameter.Identifier} = {request}.{read};");
            arguments.Add(parameter.Identifier);
        }

        if (method.CancellationTokenIdentifier is not null)
        {
            arguments.Add(cancellationToken);
        }

        var receiver = method.IsInherited ? $"(({method.DeclaringInterfaceTypeName}){target})" : target;
        var call = $"await {receiver}.{method.Identifier}({string.Join(", ", arguments)}).ConfigureAwait(false);";
        if (StreamEmitter.IsStream(method))
        {
            writer.WriteLine(StreamEmitter.DispatchStatement(method, request, $"{receiver}.{method.Identifier}({string.Join(", ", arguments)})", cancellationToken));
        }
        else if (method.ResultTypeName is null)
        {
            writer.WriteLine(call);
        }
        else
        {
            writer.WriteLine($"var {result} = {call}");
            writer.WriteLine($"{request}.WriteResult({result});");
        }

        writer.CloseBlock();
    }
}
