namespace Mesh.Runtime.Tests.TestServices;

/// <summary>Version 1 of a service, as an older node hosts it.</summary>
[BalancedService(Name = "tests.versioned")]
public interface IVersionedServiceV1
{
    Task<int> Old();
}

/// <summary>Version 2 of the same service, as a newer caller sees it: one method more.</summary>
[BalancedService(Name = "tests.versioned")]
public interface IVersionedServiceV2
{
    Task<int> Old();

    Task<int> New();
}

/// <summary>A service no node hosts.</summary>
[BalancedService]
public interface INobodyHostsThis
{
    Task Ping();
}

internal sealed class VersionedServiceV1 : IVersionedServiceV1
{
    public Task<int> Old() => Task.FromResult(1);
}
