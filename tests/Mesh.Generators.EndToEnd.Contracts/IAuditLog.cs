namespace Mesh.Generators.EndToEnd.Contracts;

/// <summary>An internal service, visible to the end-to-end tests through InternalsVisibleTo.</summary>
[BalancedService]
internal interface IAuditLog
{
    ValueTask<int> Append(string entry);
}
