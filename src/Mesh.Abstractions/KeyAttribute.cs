namespace Mesh;

/// <summary>
/// Marks the parameter that addresses a call of a keyed service (<see cref="BalancedServiceAttribute.Keyed"/>):
/// every call with the same key goes to the node that owns the key while that node is within its load bound.
/// The key must be a <see cref="string"/>, <see cref="Guid"/>, <see cref="int"/>, <see cref="uint"/>,
/// <see cref="long"/> or <see cref="ulong"/>; each method of a keyed service has exactly one.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false, AllowMultiple = false)]
public sealed class KeyAttribute : Attribute;
