using Orleans;

namespace Mesh.Generators.AotCheck;

/// <summary>A service with the shapes whose generated code could trip the trimming and AOT analyzers.</summary>
[BalancedService]
public interface ICatalog : IReader<Item>
{
    Task Touch();

    ValueTask<int> Count(Kind kind, params string[] tags);

    [Idempotent]
    ValueTask<Dictionary<string, int>> Totals(List<Item> items, int? limit = null, CancellationToken cancellationToken = default);

    Task<string> Describe(Item item, string? note, Kind kind = Kind.Book);

    Task<string> Describe(int id);
}

/// <summary>A generic base closed by <see cref="ICatalog"/>.</summary>
public interface IReader<T>
{
    Task<T?> Read(int id);
}

/// <summary>An enum payload.</summary>
[GenerateSerializer]
public enum Kind
{
    Book,
    Record,
}

/// <summary>A record payload.</summary>
[GenerateSerializer]
public sealed record Item([property: Id(0)] int Id, [property: Id(1)] string Name, [property: Id(2)] Kind Kind);

/// <summary>An internal service nested in a class.</summary>
internal static class Internal
{
    [BalancedService(Name = "aot-check.clock")]
    internal interface IClock
    {
        Task<long> Now();
    }
}
