using Orleans;

namespace Mesh.Generators.EndToEnd.Tests.Services;

/// <summary>An enum sent as argument and result.</summary>
[GenerateSerializer]
public enum Priority
{
    Low,
    Normal,
    High,
}

/// <summary>A record sent as argument and result.</summary>
[GenerateSerializer]
public sealed record Order([property: Id(0)] int Id, [property: Id(1)] string Sku, [property: Id(2)] Priority Priority, [property: Id(3)] List<string> Tags);

/// <summary>A class (not a record) sent as argument and result.</summary>
[GenerateSerializer]
public sealed class Customer
{
    [Id(0)]
    public string Name { get; set; } = "";

    [Id(1)]
    public string? Email { get; set; }

    [Id(2)]
    public Dictionary<string, int> Points { get; set; } = [];
}

/// <summary>A struct passed by value.</summary>
[GenerateSerializer]
public readonly record struct Point([property: Id(0)] int X, [property: Id(1)] int Y);

/// <summary>A second struct passed by value.</summary>
[GenerateSerializer]
public readonly record struct Vector([property: Id(0)] int Dx, [property: Id(1)] int Dy);

/// <summary>The entity of the repository service.</summary>
[GenerateSerializer]
public sealed record User([property: Id(0)] int Id, [property: Id(1)] string Name);
