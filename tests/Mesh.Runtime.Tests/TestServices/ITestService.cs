using Orleans;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>The service the runtime tests call through its generated client.</summary>
[BalancedService]
public interface ITestService
{
    Task<EchoReply> Echo(int value, CancellationToken cancellationToken = default);

    ValueTask<int> Add(int a, int b);

    Task Fail(string message);

    /// <summary>Waits until its token fires; reports what it saw through <see cref="NodeProbe"/>.</summary>
    Task Block(string key, CancellationToken cancellationToken);

    /// <summary>Blocks its thread (no await) until <see cref="NodeProbe.GateFor"/> is set.</summary>
    Task Hold(string key);

    /// <summary>Returns a string of <paramref name="length"/> characters (a result as large as the caller asks).</summary>
    ValueTask<string> Text(int length);
}

/// <summary>The reply of <see cref="ITestService.Echo"/>: the value and the node that served it.</summary>
[GenerateSerializer]
public sealed record EchoReply([property: Id(0)] string NodeId, [property: Id(1)] int Value);
