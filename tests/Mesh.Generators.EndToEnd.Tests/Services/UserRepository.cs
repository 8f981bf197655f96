using System.Collections.Concurrent;
using Mesh.Generators.EndToEnd.Contracts;

namespace Mesh.Generators.EndToEnd.Tests.Services;

/// <summary>A service that closes the generic <see cref="IRepository{T}"/> of the contracts assembly.</summary>
[BalancedService]
public interface IUserRepository : IRepository<User>
{
    Task<int> Count();
}

/// <summary>Shared by all nodes through <see cref="UserStore"/>, so that any node can serve any call.</summary>
internal sealed class UserRepository(UserStore store) : IUserRepository
{
    public Task<User?> Find(int id, CancellationToken cancellationToken = default)
        => Task.FromResult(store.Users.TryGetValue(id, out var user) ? user : null);

    public Task Save(User item)
    {
        store.Users[item.Id] = item;
        return Task.CompletedTask;
    }

    public ValueTask<User[]> All() => ValueTask.FromResult(store.Users.Values.OrderBy(user => user.Id).ToArray());

    public Task<int> Count() => Task.FromResult(store.Users.Count);
}

/// <summary>The users of <see cref="UserRepository"/>, one instance per test cluster.</summary>
internal sealed class UserStore
{
    public ConcurrentDictionary<int, User> Users { get; } = new();
}
