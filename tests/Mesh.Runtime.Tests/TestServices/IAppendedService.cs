namespace Mesh.Runtime.Tests.TestServices;

/// <summary>A service as an older server hosts it.</summary>
[BalancedService(Name = "tests.appended")]
public interface IAppendedServiceV1
{
    Task<int> Length(string text);
}

/// <summary>The same service as a newer caller sees it: a parameter appended (README "Changing a service safely").</summary>
[BalancedService(Name = "tests.appended")]
public interface IAppendedServiceV2
{
    Task<int> Length(string text, string? note = null);
}

internal sealed class AppendedServiceV1 : IAppendedServiceV1
{
    public Task<int> Length(string text) => Task.FromResult(text.Length);
}
