using System.Net.Sockets;

namespace Mesh.Transport;

/// <summary>Names why a link could not be made, as a bounded word for metrics (<c>mesh.link.failure</c>).</summary>
internal static class LinkFailure
{
    public static string Reason(Exception error) => error switch
    {
        ProtocolException => "protocol",
        TimeoutException => "timeout",
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "refused",
        SocketException or IOException => "io",
        OperationCanceledException => "cancelled",
        _ => "other",
    };
}
