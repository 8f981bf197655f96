using System.Runtime.CompilerServices;

namespace Mesh.Runtime.Tests.TestServices;

internal sealed class StreamService(IMeshNode node, StreamProbe probe) : IStreamService
{
    public async IAsyncEnumerable<StreamItem> Count(string key, int count, int payloadBytes, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        probe.StartedFor(key).TrySetResult();
        var payload = new byte[payloadBytes];
        try
        {
            for (var i = 0; count < 0 || i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                probe.CountProduced(key);
                yield return new StreamItem(i, node.NodeId, payload);
            }
        }
        finally
        {
            // Runs when the stream ends, also when the runtime stops it (the token fired, the enumerator is disposed).
            ReportCancelled(key, cancellationToken);
        }

        await Task.CompletedTask;
    }

    public async IAsyncEnumerable<int> FailAfter(int before, string message)
    {
        for (var i = 0; i < before; i++)
        {
            yield return i;
        }

        await Task.CompletedTask;
        throw new InvalidOperationException(message);
    }

    public async IAsyncEnumerable<int> OneThenWait(string key, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        probe.StartedFor(key).TrySetResult();
        try
        {
            yield return 1;
            await probe.GateFor(key).Task.WaitAsync(cancellationToken);
            yield return 2;
        }
        finally
        {
            ReportCancelled(key, cancellationToken);
        }
    }

    private void ReportCancelled(string key, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            probe.CancelledFor(key).TrySetResult();
        }
    }
}
