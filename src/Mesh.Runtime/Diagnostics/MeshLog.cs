using System.Net;
using Microsoft.Extensions.Logging;

namespace Mesh.Diagnostics;

/// <summary>Every log message of the runtime, with stable event ids.</summary>
internal static partial class MeshLog
{
    [LoggerMessage(1, LogLevel.Information, "Mesh node {NodeId} listening on {EndPoint} (mesh '{MeshName}', services: {Services})")]
    public static partial void NodeStarted(ILogger logger, string nodeId, EndPoint? endPoint, string meshName, string services);

    [LoggerMessage(2, LogLevel.Information, "Mesh node {NodeId} stopped ({Remaining} calls still running after the drain)")]
    public static partial void NodeStopped(ILogger logger, string nodeId, int remaining);

    [LoggerMessage(3, LogLevel.Information, "Linked to peer {PeerNodeId} at {EndPoint} (identity {Identity}; services: {Services})")]
    public static partial void PeerLinked(ILogger logger, string peerNodeId, EndPoint? endPoint, string identity, string services);

    [LoggerMessage(4, LogLevel.Information, "Link to peer {PeerNodeId} at {EndPoint} closed")]
    public static partial void PeerUnlinked(ILogger logger, string? peerNodeId, EndPoint? endPoint);

    [LoggerMessage(5, LogLevel.Debug, "Connecting to {EndPoint} failed (attempt {Attempt}, next in {DelayMs} ms): {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string endPoint, int attempt, long delayMs, string reason);

    [LoggerMessage(19, LogLevel.Warning, "{Service}.{Method} returned a result too large to send; the caller gets PayloadTooLargeException: {Reason}")]
    public static partial void ResultTooLarge(ILogger logger, string service, string method, string reason);

    [LoggerMessage(20, LogLevel.Warning, "Refused calls of {Identity} to {Service}: not among MeshOptions.Tls.AllowedCallers ({Folded} more folded since the last report)")]
    public static partial void PermissionDenied(ILogger logger, string identity, string service, int folded);

    [LoggerMessage(17, LogLevel.Warning, "Peer {EndPoint} refused this node's link (attempt {Attempt}, next in {DelayMs} ms): {Reason} ({Folded} more folded since the last report)")]
    public static partial void LinkRefusedByPeer(ILogger logger, string endPoint, int attempt, long delayMs, string reason, int folded);

    [LoggerMessage(18, LogLevel.Warning, "Closed a connection from {Address} at once: {Reason} ({Folded} more folded since the last report)")]
    public static partial void ConnectionLimited(ILogger logger, string address, string reason, int folded);

    [LoggerMessage(6, LogLevel.Warning, "Closing {Role} link to {EndPoint} (node {PeerNodeId}): protocol violation: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, string role, EndPoint? endPoint, string? peerNodeId, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Closing {Role} link to {EndPoint} (node {PeerNodeId}): {Reason}")]
    public static partial void ConnectionAborted(ILogger logger, string role, EndPoint? endPoint, string? peerNodeId, string reason);

    [LoggerMessage(8, LogLevel.Error, "The {Role} link to {EndPoint} (node {PeerNodeId}) failed")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception, string role, EndPoint? endPoint, string? peerNodeId);

    [LoggerMessage(9, LogLevel.Warning, "Refused a link from {EndPoint}: {Reason} ({Folded} more from this address folded since the last report)")]
    public static partial void HandshakeRefused(ILogger logger, EndPoint? endPoint, string reason, int folded);

    [LoggerMessage(10, LogLevel.Information, "Peer {PeerNodeId} is draining; sending it no new calls")]
    public static partial void PeerDraining(ILogger logger, string? peerNodeId);

    [LoggerMessage(11, LogLevel.Information, "Mesh node {NodeId} draining: {Running} calls running, grace period {GraceMs} ms")]
    public static partial void NodeDraining(ILogger logger, string nodeId, int running, long graceMs);

    [LoggerMessage(12, LogLevel.Error, "Accepting links failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(13, LogLevel.Debug, "Retrying {Method} on another peer: {Reason}")]
    public static partial void Retrying(ILogger logger, string method, string reason);

    [LoggerMessage(14, LogLevel.Warning, "Peer discovery failed (attempt {Attempt}); keeping the last known peers")]
    public static partial void DiscoveryFailed(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(15, LogLevel.Information, "Peer discovery recovered ({Count} peers)")]
    public static partial void DiscoveryRecovered(ILogger logger, int count);

    [LoggerMessage(30, LogLevel.Warning, "The node's TLS material cannot be used, so it reports not ready and makes no links until it can: {Reason}")]
    public static partial void TlsUnusable(ILogger logger, string reason);

    [LoggerMessage(16, LogLevel.Warning, "{Service}.{Method} failed (correlation id {CorrelationId}); the caller got the exception's type and this id")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string service, string method, string correlationId);

    [LoggerMessage(40, LogLevel.Warning, "Mesh node {NodeId}: the grace period ran out with {Count} streams open; they end with StreamInterruptedException so their callers reopen them elsewhere")]
    public static partial void StreamsInterrupted(ILogger logger, string nodeId, int count);

    [LoggerMessage(42, LogLevel.Debug, "Peer {PeerNodeId} at {Address} hosts none of the services this node calls, or lies outside its aperture: no link kept")]
    public static partial void PeerNotNeeded(ILogger logger, string peerNodeId, string address);

    [LoggerMessage(43, LogLevel.Information, "Aperture for {Service} now holds {Size} of {Peers} peers ({Outstanding:0.0} calls in flight)")]
    public static partial void ApertureResized(ILogger logger, string service, int size, int peers, double outstanding);
}
