namespace Mesh.Runtime.Tests.TestServices;

/// <summary>
/// Tests that measure how calls spread over in-process nodes run alone, after the parallel ones: all nodes of
/// such a test share the test process's thread pool, so a CPU-heavy test running alongside (the million-call
/// race, the fuzzers) would starve one node's threads for milliseconds at a time and skew the shares measured.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedCollection
{
    public const string Name = "Isolated from parallel tests";
}
