using Orleans;

namespace Mesh.Generators.EndToEnd.Contracts;

/// <summary>A public service declared in a referenced assembly.</summary>
[BalancedService]
public interface IInventory
{
    Task<StockLevel> Stock(string sku, CancellationToken cancellationToken = default);
}

/// <summary>The stock of one article, and the node that answered.</summary>
[GenerateSerializer]
public sealed record StockLevel([property: Id(0)] string Sku, [property: Id(1)] int Quantity, [property: Id(2)] string NodeId);
