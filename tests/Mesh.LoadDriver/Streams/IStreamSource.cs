using System.Runtime.CompilerServices;

namespace Mesh.LoadDriver.Streams;

/// <summary>The Mesh form of the stream scenario: items of <c>size</c> bytes until the caller stops reading.</summary>
[BalancedService(Name = "loaddriver.stream")]
public interface IStreamSource
{
    IAsyncEnumerable<byte[]> Items(int size, CancellationToken cancellationToken = default);
}

/// <summary>Sends one buffer over and over: the driver measures the stream path, not the producer.</summary>
public sealed class StreamSource : IStreamSource
{
    public async IAsyncEnumerable<byte[]> Items(int size, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var item = new byte[size];
        Random.Shared.NextBytes(item);
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            yield return item;
        }
    }
}
