namespace Shop;

/// <summary>The front-end's HTTP API; each request makes one balanced call to the back-end.</summary>
internal static class StorefrontEndpoints
{
    public static void MapStorefront(this WebApplication app)
    {
        app.MapGet("/api/stock/{sku}", async (string sku, IInventory inventory) =>
        {
            var level = await inventory.Stock(sku).ConfigureAwait(false);
            return Results.Text($"{level.Sku}: {level.Units} units (answered by {level.NodeId})");
        });

        app.MapPost("/api/reserve/{sku}", async (string sku, int? quantity, IInventory inventory, CancellationToken cancellationToken) =>
        {
            var reservation = await inventory.Reserve(sku, quantity ?? 1, cancellationToken).ConfigureAwait(false);
            return Results.Text($"reserved {reservation.Quantity} x {reservation.Sku} (by {reservation.NodeId})");
        });
    }
}
