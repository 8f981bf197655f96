namespace Mesh.Generators.AotCheck;

internal sealed class Catalog : ICatalog
{
    public Task Touch() => Task.CompletedTask;

    public Task<Item?> Read(int id) => Task.FromResult<Item?>(id == 0 ? null : new Item(id, "item-" + id, Kind.Record));

    public ValueTask<int> Count(Kind kind, params string[] tags) => ValueTask.FromResult(tags.Length + (int)kind);

    public ValueTask<Dictionary<string, int>> Totals(List<Item> items, int? limit = null, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(items.Take(limit ?? int.MaxValue).ToDictionary(item => item.Name, item => item.Id));

    public Task<string> Describe(Item item, string? note, Kind kind = Kind.Book) => Task.FromResult($"{item.Name}/{note ?? "-"}/{kind}");

    public Task<string> Describe(int id) => Task.FromResult("id " + id);
}

internal sealed class Clock : Internal.IClock
{
    public Task<long> Now() => Task.FromResult(42L);
}
