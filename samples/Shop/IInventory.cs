using Mesh;
using Orleans;

namespace Shop;

/// <summary>The back-end service: stock levels and reservations, balanced per call across every back-end Pod.</summary>
[BalancedService(Name = "shop.inventory")]
public interface IInventory
{
    /// <summary>Reserves <paramref name="quantity"/> units of <paramref name="sku"/>.</summary>
    Task<Reservation> Reserve(string sku, int quantity, CancellationToken cancellationToken = default);

    /// <summary>Units of <paramref name="sku"/> in stock, and the node that answered.</summary>
    [Idempotent]
    ValueTask<StockLevel> Stock(string sku);
}

/// <summary>A reservation made by a back-end node.</summary>
[GenerateSerializer]
public sealed record Reservation([property: Id(0)] string Sku, [property: Id(1)] int Quantity, [property: Id(2)] string NodeId);

/// <summary>A stock level, and the back-end node that answered.</summary>
[GenerateSerializer]
public sealed record StockLevel([property: Id(0)] string Sku, [property: Id(1)] int Units, [property: Id(2)] string NodeId);
