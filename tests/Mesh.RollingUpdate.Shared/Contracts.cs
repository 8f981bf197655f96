using Mesh;
using Orleans;

// One contracts assembly in two versions: Mesh.RollingUpdate.V1 and .V2 compile this file with V1 or V2
// defined. Each service shows one change between the versions (see "Changing a service safely" in the
// README); their wire names are the same in both builds (the default: namespace and interface name).
namespace RollingUpdate;

/// <summary>Compatible: V2 adds a method.</summary>
[BalancedService]
public interface IAddedMethod
{
    Task<string> Echo(string text);
#if V2
    Task<int> Length(string text);
#endif
}

/// <summary>Compatible: V2 adds an optional parameter at the end (before the token).</summary>
[BalancedService]
public interface IOptionalParameter
{
#if V1
    Task<string> Place(string item, int quantity, CancellationToken cancellationToken = default);
#else
    Task<string> Place(string item, int quantity, string note = "none", CancellationToken cancellationToken = default);
#endif
}

/// <summary>Compatible: V2 adds a field to a [GenerateSerializer] record.</summary>
[BalancedService]
public interface IRecordField
{
    Task<Order> Echo(Order order);
}

/// <summary>The record whose V2 has one more field.</summary>
[GenerateSerializer]
public sealed record Order
{
    [Id(0)]
    public required string Item { get; init; }

    [Id(1)]
    public required int Quantity { get; init; }
#if V2

    [Id(2)]
    public string? Note { get; init; }
#endif
}

/// <summary>Compatible: V2 renames a parameter.</summary>
[BalancedService]
public interface IRenamedParameter
{
#if V1
    Task<int> Double(int value);
#else
    Task<int> Double(int number);
#endif
}

#if V2
/// <summary>Compatible: V2 adds a service.</summary>
[BalancedService]
public interface IAddedService
{
    Task<string> Hello();
}
#endif

/// <summary>Incompatible: V2 changes a parameter's type.</summary>
[BalancedService]
public interface ITypeChanged
{
#if V1
    Task<long> Square(int value);
#else
    Task<long> Square(long value);
#endif
}

/// <summary>Incompatible: V2 swaps two parameters.</summary>
[BalancedService]
public interface IReordered
{
#if V1
    Task<string> Repeat(string text, int count);
#else
    Task<string> Repeat(int count, string text);
#endif
}

/// <summary>Incompatible: V2 removes a method.</summary>
[BalancedService]
public interface IRemovedMethod
{
    Task<int> Kept();
#if V1
    Task<int> Removed();
#endif
}
