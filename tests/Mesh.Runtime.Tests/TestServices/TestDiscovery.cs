using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Mesh.Membership;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>Discovery driven by the test: each publish is the full new set.</summary>
internal sealed class TestDiscovery : IPeerDiscovery
{
    private readonly Channel<IReadOnlyList<DiscoveredPeer>> _sets = Channel.CreateUnbounded<IReadOnlyList<DiscoveredPeer>>();

    public void Publish(params DiscoveredPeer[] peers) => _sets.Writer.TryWrite(peers);

    public async IAsyncEnumerable<IReadOnlyList<DiscoveredPeer>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await _sets.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_sets.Reader.TryRead(out var set))
            {
                yield return set;
            }
        }
    }
}
