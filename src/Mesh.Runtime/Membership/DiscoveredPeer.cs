namespace Mesh.Membership;

/// <summary>A peer address reported by discovery, and whether it may take new calls.</summary>
/// <param name="Host">Host name or IP address.</param>
/// <param name="Port">The peer's mesh port.</param>
/// <param name="IsReady">
/// True when the peer may take new calls. False for a peer that still serves but is terminating
/// (Kubernetes <c>serving &amp;&amp; terminating</c>): it stays linked and is used only when no ready peer
/// hosts the service.
/// </param>
public sealed record DiscoveredPeer(string Host, int Port, bool IsReady = true)
{
    /// <summary>The <c>host:port</c> key of the peer.</summary>
    public string Address => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
