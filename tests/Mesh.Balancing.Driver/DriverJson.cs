using System.Text.Json;

namespace Mesh.Balancing.Driver;

internal static class DriverJson
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
