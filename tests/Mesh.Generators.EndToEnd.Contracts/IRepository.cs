namespace Mesh.Generators.EndToEnd.Contracts;

/// <summary>
/// A generic base that is not a service itself; a [BalancedService] interface closes it
/// (<c>interface IUserRepository : IRepository&lt;User&gt;</c>) and inherits its methods.
/// </summary>
public interface IRepository<T>
    where T : class
{
    Task<T?> Find(int id, CancellationToken cancellationToken = default);

    Task Save(T item);

    ValueTask<T[]> All();
}
