using Mesh.Invocation;

namespace Mesh;

/// <summary>Typed helpers over <see cref="IMeshNode"/>.</summary>
public static class MeshNodeExtensions
{
    /// <summary>
    /// Waits until at least <paramref name="count"/> linked peers host <typeparamref name="TService"/> (a
    /// <see cref="BalancedServiceAttribute"/> interface; its wire name comes from the generated definition).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">No Mesh definition was generated for <typeparamref name="TService"/>.</exception>
    public static Task WaitForPeersAsync<TService>(this IMeshNode node, int count, CancellationToken cancellationToken = default)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return node.WaitForPeersAsync(MeshServiceRegistry.Get<TService>().Name, count, cancellationToken);
    }
}
