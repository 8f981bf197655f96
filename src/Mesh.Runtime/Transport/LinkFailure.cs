using System.Net.Sockets;

namespace Mesh.Transport;

/// <summary>Names why a link could not be made, as a bounded word for metrics (<c>mesh.link.failure</c>).</summary>
internal static class LinkFailure
{
    /// <summary>Whether <paramref name="error"/> is a way a link can fail to be made (as opposed to a bug).</summary>
    public static bool IsLinkFailure(Exception error)
        => error is ProtocolException or TimeoutException or IOException or SocketException or OperationCanceledException
            or System.Security.Authentication.AuthenticationException;

    public static string Reason(Exception error) => error switch
    {
        ProtocolException => "protocol",
        System.Security.Authentication.AuthenticationException => "tls",
        TimeoutException => "timeout",
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "refused",
        SocketException or IOException => "io",
        OperationCanceledException => "cancelled",
        _ => "other",
    };
}
