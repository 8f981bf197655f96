namespace Mesh.Kubernetes.Tests.TestServices;

/// <summary>The service the Kubernetes scenarios call: answers with the serving node's id.</summary>
[BalancedService(Name = "tests.whoami")]
public interface IWhoAmI
{
    Task<string> Who(CancellationToken cancellationToken = default);
}

internal sealed class WhoAmI(IMeshNode node) : IWhoAmI
{
    public Task<string> Who(CancellationToken cancellationToken = default) => Task.FromResult(node.NodeId);
}
