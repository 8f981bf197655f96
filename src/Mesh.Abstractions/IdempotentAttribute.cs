namespace Mesh;

/// <summary>
/// Declares that a service method may safely run more than once for one call. The router may retry such
/// calls on another peer even when the first attempt might have executed.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class IdempotentAttribute : Attribute;
