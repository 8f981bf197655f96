using Mesh;
using Orleans;

namespace Quickstart;

/// <summary>The balanced service of the quickstart: every call may run on a different node.</summary>
[BalancedService]
public interface IGreeter
{
    /// <summary>Greets <paramref name="name"/> from whichever node serves the call.</summary>
    Task<Greeting> Greet(string name, CancellationToken cancellationToken = default);
}

/// <summary>A greeting, and the node that wrote it.</summary>
[GenerateSerializer]
public sealed record Greeting([property: Id(0)] string Text, [property: Id(1)] string NodeId);
