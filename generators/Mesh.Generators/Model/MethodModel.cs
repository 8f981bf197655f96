namespace Mesh.Generators.Model;

/// <summary>One remote method of a service.</summary>
/// <param name="Name">The method's name as written in metadata: <c>AddAsync</c>.</param>
/// <param name="Identifier">The name as a C# identifier (keywords escaped): <c>@event</c>.</param>
/// <param name="MemberStem">A name unique among the service's methods (overloads get a number), for generated members.</param>
/// <param name="Signature">The string the id is the hash of (appended parameters left out): <c>AddAsync(System.Int32,System.Int32)</c>.</param>
/// <param name="Contract">
/// The method as both sides of a rolling update compare it: the signature with the appended parameters'
/// types in brackets, <c>AddAsync(System.Int32,System.Int32,[System.String])</c>.
/// </param>
/// <param name="Id">The method id: the FNV-1a hash of <paramref name="Signature"/>.</param>
/// <param name="IsIdempotent">Whether the method is marked <c>[Idempotent]</c>.</param>
/// <param name="DeclaringInterfaceTypeName">The interface that declares the method, fully qualified.</param>
/// <param name="IsInherited">Whether the method is declared by a base interface of the service.</param>
/// <param name="ReturnKind">Which awaitable the method returns.</param>
/// <param name="ReturnTypeName">The return type, fully qualified with nullable annotations.</param>
/// <param name="ResultTypeName">The <c>T</c> of <c>Task&lt;T&gt;</c>/<c>ValueTask&lt;T&gt;</c>/<c>IAsyncEnumerable&lt;T&gt;</c> (a stream's item); <see langword="null"/> for the others.</param>
/// <param name="Parameters">The serialized parameters, in order; the trailing cancellation token is not one of them.</param>
/// <param name="CancellationTokenIdentifier">The name of the trailing <c>CancellationToken</c> parameter, if any.</param>
internal sealed record MethodModel(
    string Name,
    string Identifier,
    string MemberStem,
    string Signature,
    string Contract,
    uint Id,
    bool IsIdempotent,
    string DeclaringInterfaceTypeName,
    bool IsInherited,
    ReturnKind ReturnKind,
    string ReturnTypeName,
    string? ResultTypeName,
    EquatableArray<ParameterModel> Parameters,
    string? CancellationTokenIdentifier);
