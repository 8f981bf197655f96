using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>The one place the tests choose their links' security.</summary>
internal static class TestMesh
{
    /// <summary>
    /// <see cref="MeshServiceCollectionExtensions.AddMesh"/> with plaintext chosen explicitly
    /// (<see cref="MeshOptions.AllowPlaintext"/>): test nodes on loopback link without certificates unless a test
    /// configures <see cref="MeshOptions.Tls"/> (which then takes precedence).
    /// </summary>
    public static IMeshBuilder AddTestMesh(this IServiceCollection services, Action<MeshOptions>? configure = null)
        => services.AddMesh(options =>
        {
            options.AllowPlaintext = true;
            configure?.Invoke(options);
        });
}
