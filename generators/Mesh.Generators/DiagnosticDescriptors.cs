using Microsoft.CodeAnalysis;

namespace Mesh.Generators;

/// <summary>
/// The diagnostics of the Mesh generator. Each is an error, and the generator skips an interface it reports
/// one for rather than emit code that does not compile; except two warnings: MESH0012 (two services share a
/// wire name: both generate fine and a test may describe two versions of one service on purpose) and
/// MESH0017 (a service without methods). Every message names the member and says how to fix it.
/// Ids are tracked in AnalyzerReleases.*.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Mesh";

    public static readonly DiagnosticDescriptor UnsupportedReturnType = new(
        id: "MESH0001",
        title: "Unsupported return type on a balanced service method",
        messageFormat: "Method '{0}' of balanced service '{1}' returns '{2}'; service methods must return Task, Task<T>, ValueTask, ValueTask<T> or IAsyncEnumerable<T> (a stream): change the return type to one of them, such as Task<{2}>",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Calls to a balanced service are remote and asynchronous. Change the method to return Task or ValueTask, or Task<T> or ValueTask<T> for a result, returned by value, or IAsyncEnumerable<T> to stream results.");

    public static readonly DiagnosticDescriptor RefParameter = new(
        id: "MESH0002",
        title: "Balanced service methods cannot have ref, out or in parameters",
        messageFormat: "Parameter '{0}' of method '{1}' is passed by reference ({2}); balanced service parameters are sent by value: remove '{2}' and return results through the method's Task<T>",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Arguments are serialized and sent to another node, so nothing can be passed back through them. Remove the ref, out or in modifier; return results through the method's Task<T> or ValueTask<T>, e.g. as a record.");

    public static readonly DiagnosticDescriptor GenericMethod = new(
        id: "MESH0003",
        title: "Balanced service methods cannot be generic",
        messageFormat: "Method '{0}' of balanced service '{1}' is generic; balanced service methods cannot have type parameters: declare one method per concrete type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The receiving node must know the argument types from the method id alone. Remove the type parameters, e.g. with one method per concrete type.");

    public static readonly DiagnosticDescriptor UnsupportedMember = new(
        id: "MESH0004",
        title: "Balanced service interfaces can only declare methods",
        messageFormat: "'{0}' is {1}; balanced service interfaces can only declare instance methods: replace it with a method such as Task<T> GetValueAsync(), or give it a default implementation so that it stays local",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Properties, indexers, events and static abstract members cannot be called remotely. Replace a property with a method such as Task<T> GetXAsync(), and an event with a method the client polls or a separate callback service.");

    public static readonly DiagnosticDescriptor CancellationTokenNotLast = new(
        id: "MESH0005",
        title: "A CancellationToken must be the last parameter",
        messageFormat: "Method '{0}' takes a CancellationToken as parameter '{1}' which is not its last parameter: declare a single CancellationToken, as the last parameter (after any params array, so drop 'params')",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The cancellation token is not sent as an argument: the generated code cancels the call with it. Move the CancellationToken to the end of the parameter list and declare at most one.");

    public static readonly DiagnosticDescriptor UnsupportedParameterType = new(
        id: "MESH0006",
        title: "Parameter type cannot be sent to another node",
        messageFormat: "Parameter '{0}' of method '{1}' has type '{2}', which cannot be sent to another node: {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Pointers and ref structs such as Span<T> cannot be serialized (use an array, ReadOnlyMemory<T> or another serializable type); dynamic is written with its runtime type but read as object (declare the type); a CancellationToken? would be serialized as an argument (declare a plain CancellationToken, the last parameter); __arglist cannot be read by the receiving node (declare parameters).");

    public static readonly DiagnosticDescriptor GenericInterface = new(
        id: "MESH0007",
        title: "Balanced service interfaces cannot be generic",
        messageFormat: "Balanced service '{0}' is generic or nested in a generic type: declare a non-generic interface per concrete type (interface IOrderStore : IStore<Order>) and mark that one [BalancedService]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A service needs one name and one method table on the wire. Declare a non-generic interface per concrete type, e.g. interface IOrderStore : IStore<Order>, and mark that one [BalancedService].");

    public static readonly DiagnosticDescriptor InaccessibleInterface = new(
        id: "MESH0008",
        title: "Balanced service interface is not accessible to generated code",
        messageFormat: "Balanced service '{0}' is {1}; the generated proxy and dispatcher cannot refer to it: make it (and every type it is nested in) public or internal",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generated types live in the Mesh.Generated namespace of the same assembly. Make the interface, and every type it is nested in, public or internal, and do not declare it 'file'.");

    public static readonly DiagnosticDescriptor DuplicateMethodId = new(
        id: "MESH0009",
        title: "Two methods of a balanced service have the same id",
        messageFormat: "Methods '{0}' and '{1}' of balanced service '{2}' have the same method id 0x{3}: the id covers the name and the required parameter types, not a trailing CancellationToken nor trailing optional parameters; keep one of the two (such as only the one with 'CancellationToken cancellationToken = default') or rename the other",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A method id is the hash of the method's name and parameter types, so two methods with the same signature (e.g. one hiding an inherited method with 'new') cannot both be called. Rename one of them.");

    public static readonly DiagnosticDescriptor EmptyServiceName = new(
        id: "MESH0010",
        title: "Balanced service name cannot be empty",
        messageFormat: "The Name of balanced service '{0}' is empty: set [BalancedService(Name = \"...\")] to a non-empty wire name, or remove Name to use the interface's full name",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Set [BalancedService(Name = \"...\")] to a non-empty wire name, or remove Name to use the interface's full name.");

    public static readonly DiagnosticDescriptor NotAnInterface = new(
        id: "MESH0011",
        title: "[BalancedService] belongs on an interface",
        messageFormat: "'{0}' is {1}; [BalancedService] marks the interface that clients call, not its implementation: move the attribute to the interface this type implements",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Move [BalancedService] to an interface that declares the service's methods, implement that interface in this type, and host it with AddService<IService, TImplementation>().");

    public static readonly DiagnosticDescriptor DuplicateServiceName = new(
        id: "MESH0012",
        title: "Two balanced services have the same wire name",
        messageFormat: "Balanced services '{0}' and '{1}' have the same wire id 0x{2}: their wire names are '{3}' and '{4}'; give one of them another [BalancedService(Name = \"...\")]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        customTags: WellKnownDiagnosticTags.CompilationEnd,
        description: "Nodes tell services apart by their wire name (its hash travels with every call), so a call to one would reach the other. Give one of them a different [BalancedService(Name = \"...\")]. Suppress it (<NoWarn>MESH0012</NoWarn>) only where two interfaces deliberately describe two versions of one service, e.g. in tests of rolling upgrades.");

    public static readonly DiagnosticDescriptor NonPublicMember = new(
        id: "MESH0013",
        title: "Balanced service methods must be public",
        messageFormat: "Method '{0}' of balanced service '{1}' is {2}; the generated proxy cannot implement it: make it public (the default for interface members), or give it a default implementation so that it stays local",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generated proxy lives in another type and implements every abstract member of the interface; it cannot see non-public ones.");

    public static readonly DiagnosticDescriptor ObsoleteAsError = new(
        id: "MESH0014",
        title: "Balanced service member is obsolete as an error",
        messageFormat: "'{0}' is marked [Obsolete] as an error; the generated proxy and dispatcher cannot refer to it: remove it from the service (callers of a build that still has it get UnknownMethodException), or make the attribute a warning with [Obsolete(\"...\")]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Generated code suppresses obsolete warnings (CS0612, CS0618) and [Experimental] diagnostics, but an [Obsolete(..., error: true)] member cannot be used at all.");

    public static readonly DiagnosticDescriptor UnsupportedResultType = new(
        id: "MESH0015",
        title: "Result type cannot be sent to another node",
        messageFormat: "Method '{0}' returns '{1}', whose result type '{2}' cannot be sent to another node: {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A result is serialized on the node that ran the method and read on the caller's: pointers, ref structs and dynamic cannot be.");

    public static readonly DiagnosticDescriptor DisposableService = new(
        id: "MESH0016",
        title: "Balanced service interfaces cannot extend IDisposable or IAsyncDisposable",
        messageFormat: "Balanced service '{0}' extends '{1}'; a client's container would dispose the proxy by calling a remote node, after the node stopped: remove '{1}' from the interface and implement it on the implementation class, whose host disposes it",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Disposal is local to each side: the server's container disposes the implementation, the client's disposes nothing remote.");

    public static readonly DiagnosticDescriptor EmptyService = new(
        id: "MESH0017",
        title: "Balanced service declares no methods",
        messageFormat: "Balanced service '{0}' declares no methods that can be called remotely: add a method returning Task, Task<T>, ValueTask or ValueTask<T>, or remove [BalancedService]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A service without methods registers and links but can never be called, which is usually an unfinished interface.");

    public static readonly DiagnosticDescriptor NoVisibleSerializer = new(
        id: "MESH0018",
        title: "Argument or result type has no serializer the generator can see",
        messageFormat: "Method '{0}' of balanced service '{1}' sends '{2}' without a serializer the generator can see, so every call would fail at run time: mark the type [GenerateSerializer] (with [Id(n)] on its members), or suppress this warning where a codec or surrogate is registered for it",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Arguments and results are serialized with Orleans serialization. Types of System.*, enums, interfaces and abstract types (their runtime type decides), and types marked [GenerateSerializer] or [Serializable] are assumed serializable; any other type is reported, since a missing codec shows only when a call is made (for a result: after the method ran).");

    public static readonly DiagnosticDescriptor ShippedContractBroken = new(
        id: "MESH0019",
        title: "A shipped wire contract is broken",
        messageFormat: "Shipped wire contract '{0}' of {1} is not served by this build ({2}), so callers of the shipped version fail with UnknownMethodException: restore it and make the change as a new method, a new optional parameter at the end or a new service (see 'Changing a service safely')",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "WireContract.Shipped.txt lists what released builds call. A method may gain optional parameters at the end, but its name, its required parameter types and their order, and its existing optional parameters must stay.",
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor UnrecordedContract = new(
        id: "MESH0020",
        title: "A wire contract is not recorded",
        messageFormat: "Wire contract '{0}' is not recorded: add the line '{0}' to WireContract.Unshipped.txt",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Projects that keep WireContract.Shipped.txt / WireContract.Unshipped.txt (AdditionalFiles) record each method's wire contract, so that a later change that breaks it is an error. Move the lines to WireContract.Shipped.txt when the version is released.",
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor UnsupportedKeyType = new(
        id: "MESH0030",
        title: "Key parameter of an unsupported type",
        messageFormat: "Parameter '{0}' of method '{1}' is marked [Key] but is a '{2}'; a key must be a non-nullable string, Guid, int, uint, long or ulong: change the parameter's type, or pass the value that identifies the call (such as an id as a string) as the key",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Every caller must place a key at the same point on the hash ring, so keys are hashed by a fixed function (Mesh.MeshKey.Hash) that is defined for strings, Guids and 32- and 64-bit integers only.");

    public static readonly DiagnosticDescriptor MultipleKeys = new(
        id: "MESH0031",
        title: "A method has more than one key",
        messageFormat: "Method '{0}' marks several parameters with [Key] ('{1}'); a call goes to the owner of one key: keep [Key] on one parameter, or pass one key that combines them (such as \"tenant/cart\")",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A keyed call is routed by exactly one key. Combine the values that identify the call into one string key if more than one does.");

    public static readonly DiagnosticDescriptor KeyOnUnkeyedService = new(
        id: "MESH0032",
        title: "Key parameter on a service that is not keyed",
        messageFormat: "Parameter '{0}' of method '{1}' is marked [Key] but service '{2}' is not keyed, so its calls would ignore the key: mark the interface [BalancedService(Keyed = true)], or remove [Key]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Calls are routed by key only for services declared keyed; a [Key] elsewhere would be silently balanced like any call.");

    public static readonly DiagnosticDescriptor KeyedMethodWithoutKey = new(
        id: "MESH0033",
        title: "A method of a keyed service has no key",
        messageFormat: "Method '{0}' of keyed service '{1}' has no parameter marked [Key], so its calls could reach any node and miss the state kept for their key: add [Key] to the parameter that identifies the call, or move the method to a service that is not keyed",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Each method of a keyed service must say which key its call belongs to, with [Key] on one string, Guid, int, uint, long or ulong parameter.");

    public static readonly DiagnosticDescriptor UnsupportedStreamShape = new(
        id: "MESH0040",
        title: "Unsupported stream shape on a balanced service method",
        messageFormat: "Method '{0}' of balanced service '{1}' returns '{2}', a stream shape Mesh does not carry; change it: {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A balanced service streams results as IAsyncEnumerable<T> returned directly: 'IAsyncEnumerable<T> Method(args, [EnumeratorCancellation] CancellationToken cancellationToken = default)'. Return that shape instead of an enumerator or a task of a stream.");

    public static readonly DiagnosticDescriptor StreamParameter = new(
        id: "MESH0041",
        title: "Stream parameter on a balanced service method (client or bidirectional streaming)",
        messageFormat: "Parameter '{0}' of method '{1}' is a stream ('{2}'); balanced services stream results only (server streaming): send the items in batches as arrays or lists, or as separate calls",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Mesh supports server streaming (a method returning IAsyncEnumerable<T>). Client and bidirectional streams are not supported: pass the caller's items as a collection argument, or in several calls.");
}
