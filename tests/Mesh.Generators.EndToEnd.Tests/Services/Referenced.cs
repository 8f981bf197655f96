using System.Collections.Concurrent;
using Mesh.Generators.EndToEnd.Contracts;

namespace Mesh.Generators.EndToEnd.Tests.Services;

/// <summary>Implements the public service of the contracts assembly.</summary>
internal sealed class Inventory(IMeshNode node) : IInventory
{
    public Task<StockLevel> Stock(string sku, CancellationToken cancellationToken = default)
        => Task.FromResult(new StockLevel(sku, sku.Length, node.NodeId));
}

/// <summary>Implements the internal service of the contracts assembly (visible through InternalsVisibleTo).</summary>
internal sealed class AuditLog : IAuditLog
{
    private readonly ConcurrentQueue<string> _entries = new();

    public ValueTask<int> Append(string entry)
    {
        _entries.Enqueue(entry);
        return ValueTask.FromResult(_entries.Count);
    }
}
