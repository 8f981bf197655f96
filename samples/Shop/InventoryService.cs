using Mesh;

namespace Shop;

/// <summary>The back-end implementation: a little simulated work per call, and a count of calls served.</summary>
internal sealed class InventoryService(IMeshNode node, ServedCalls served) : IInventory
{
    public async Task<Reservation> Reserve(string sku, int quantity, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        served.Increment();
        return new Reservation(sku, quantity, node.NodeId);
    }

    public ValueTask<StockLevel> Stock(string sku)
    {
        served.Increment();
        return ValueTask.FromResult(new StockLevel(sku, 100 + (int)(StableHash.Compute(sku) % 50), node.NodeId));
    }
}

/// <summary>Calls served by this node.</summary>
internal sealed class ServedCalls
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Increment() => Interlocked.Increment(ref _count);
}
