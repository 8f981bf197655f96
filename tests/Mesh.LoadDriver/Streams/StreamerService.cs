using Google.Protobuf;
using Grpc.Core;
using Mesh.LoadDriver.Grpc;

namespace Mesh.LoadDriver.Streams;

/// <summary>The gRPC form of the stream scenario: one message, written over and over until the caller cancels.</summary>
public sealed class StreamerService : Streamer.StreamerBase
{
    public override async Task Items(ItemsRequest request, IServerStreamWriter<Item> responseStream, ServerCallContext context)
    {
        var data = new byte[request.Size];
        Random.Shared.NextBytes(data);
        var item = new Item { Data = ByteString.CopyFrom(data) };
        try
        {
            while (!context.CancellationToken.IsCancellationRequested)
            {
                await responseStream.WriteAsync(item, context.CancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The caller stopped reading.
        }
        catch (IOException)
        {
            // The caller went away mid-write.
        }
    }
}
