namespace Mesh.Balancing.Driver;

/// <summary>The driver's balanced service: each call costs the server some time and says who served it.</summary>
[BalancedService]
public interface IWork
{
    /// <summary>Does one unit of work; returns the serving node's id.</summary>
    Task<string> Work(int value, CancellationToken cancellationToken = default);
}
