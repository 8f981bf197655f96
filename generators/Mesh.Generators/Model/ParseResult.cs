namespace Mesh.Generators.Model;

/// <summary>
/// What the parser found for one <c>[BalancedService]</c> interface: the service, or nothing when the
/// interface has members the generator cannot implement, and the diagnostics explaining why.
/// </summary>
internal sealed record ParseResult(ServiceModel? Service, EquatableArray<DiagnosticInfo> Diagnostics);
