using Grpc.Core;
using Mesh.LoadDriver.Grpc;

namespace Mesh.LoadDriver.Contracts;

/// <summary>The gRPC form of the driver's contract.</summary>
public sealed class PingerService : Pinger.PingerBase
{
    public override Task<PingReply> Ping(PingRequest request, ServerCallContext context)
        => Task.FromResult(new PingReply { Value = request.Value + 1 });
}
