namespace Mesh.Invocation;

/// <summary>
/// Describes one method of a balanced service. Generated code holds one static instance per method.
/// </summary>
public sealed class MeshMethod
{
    /// <summary>Creates a method descriptor.</summary>
    /// <param name="serviceName">The service's wire name.</param>
    /// <param name="name">The method's name, for diagnostics.</param>
    /// <param name="id">The method's stable id (the <see cref="StableHash"/> of its signature).</param>
    /// <param name="isIdempotent">Whether the method is marked <see cref="IdempotentAttribute"/>.</param>
    public MeshMethod(string serviceName, string name, uint id, bool isIdempotent)
        : this(serviceName, name, id, isIdempotent, contract: null)
    {
    }

    /// <summary>Creates a method descriptor that knows its contract, to explain a version mismatch.</summary>
    /// <param name="serviceName">The service's wire name.</param>
    /// <param name="name">The method's name, for diagnostics.</param>
    /// <param name="id">The method's stable id (the <see cref="StableHash"/> of its signature).</param>
    /// <param name="isIdempotent">Whether the method is marked <see cref="IdempotentAttribute"/>.</param>
    /// <param name="contract">
    /// The method's wire contract as this build sees it: its name and parameter types, appended
    /// (optional trailing) parameters in brackets, e.g. <c>Add(System.Int32,System.Int32,[System.String])</c>.
    /// </param>
    public MeshMethod(string serviceName, string name, uint id, bool isIdempotent, string? contract)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ServiceName = serviceName;
        ServiceId = StableHash.Compute(serviceName);
        Name = name;
        Id = id;
        IsIdempotent = isIdempotent;
        Contract = contract;
    }

    /// <summary>The service's wire name.</summary>
    public string ServiceName { get; }

    /// <summary>The stable hash of <see cref="ServiceName"/>, used on the wire.</summary>
    public uint ServiceId { get; }

    /// <summary>The method's name.</summary>
    public string Name { get; }

    /// <summary>The method's stable id.</summary>
    public uint Id { get; }

    /// <summary>
    /// The method's wire contract as this build sees it (<c>Add(System.Int32,[System.String])</c>), or
    /// <see langword="null"/> when the descriptor was created without one.
    /// </summary>
    public string? Contract { get; }

    /// <summary>Whether the call may be retried even if it may have executed.</summary>
    public bool IsIdempotent { get; }

    /// <inheritdoc />
    public override string ToString() => $"{ServiceName}.{Name}";
}
