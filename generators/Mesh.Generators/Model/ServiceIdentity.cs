namespace Mesh.Generators.Model;

/// <summary>A service's wire name and where it is declared, to find services that share a wire name.</summary>
/// <param name="ServiceName">The wire name.</param>
/// <param name="MetadataName">The interface's metadata name, to order services stably.</param>
/// <param name="DisplayName">The interface as diagnostics name it: its full name (<c>Shop.IOrders</c>).</param>
/// <param name="Location">The interface's name in its declaration.</param>
internal sealed record ServiceIdentity(string ServiceName, string MetadataName, string DisplayName, LocationInfo? Location);
