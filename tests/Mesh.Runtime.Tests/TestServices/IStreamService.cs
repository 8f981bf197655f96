using Orleans;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>The stream methods the runtime tests call through the generated client.</summary>
[BalancedService]
public interface IStreamService
{
    /// <summary>
    /// Yields items 0, 1, … (<paramref name="count"/> of them, or without end when negative), each carrying
    /// <paramref name="payloadBytes"/> bytes; counts what it produced under <paramref name="key"/> in <see cref="StreamProbe"/>.
    /// </summary>
    IAsyncEnumerable<StreamItem> Count(string key, int count, int payloadBytes, CancellationToken cancellationToken = default);

    /// <summary>Yields <paramref name="before"/> items, then throws an <see cref="InvalidOperationException"/>.</summary>
    IAsyncEnumerable<int> FailAfter(int before, string message);

    /// <summary>Yields one item, then waits for <see cref="StreamProbe.GateFor"/>(<paramref name="key"/>) (or its token), then yields a second.</summary>
    IAsyncEnumerable<int> OneThenWait(string key, CancellationToken cancellationToken = default);
}

/// <summary>One item of <see cref="IStreamService.Count"/>: its index, the node that sent it, and padding.</summary>
[GenerateSerializer]
public sealed record StreamItem([property: Id(0)] int Index, [property: Id(1)] string NodeId, [property: Id(2)] byte[] Payload);
