using Microsoft.Extensions.Logging;

namespace Mesh.Kubernetes;

/// <summary>Log messages of Kubernetes discovery, with stable event ids (100+).</summary>
internal static partial class KubernetesLog
{
    [LoggerMessage(100, LogLevel.Information, "Kubernetes discovery of Service '{Namespace}/{ServiceName}' port '{PortName}' through {Host}")]
    public static partial void Starting(ILogger logger, string @namespace, string serviceName, string portName, string host);

    [LoggerMessage(101, LogLevel.Debug, "Listed {Slices} EndpointSlices at resourceVersion {ResourceVersion} ({Pages} pages)")]
    public static partial void Listed(ILogger logger, int slices, string resourceVersion, int pages);

    [LoggerMessage(102, LogLevel.Information, "Kubernetes peers: {Ready} ready, {Draining} terminating but serving ({Peers})")]
    public static partial void PeersChanged(ILogger logger, int ready, int draining, string peers);

    [LoggerMessage(103, LogLevel.Information, "The watch's resourceVersion {ResourceVersion} expired (410 Gone); re-listing")]
    public static partial void Expired(ILogger logger, string resourceVersion);

    [LoggerMessage(104, LogLevel.Warning, "The EndpointSlice watch broke (attempt {Attempt}; resuming from resourceVersion {ResourceVersion} in {DelayMs} ms): {Reason}")]
    public static partial void WatchBroken(ILogger logger, int attempt, long delayMs, string resourceVersion, string reason);

    [LoggerMessage(105, LogLevel.Warning, "The EndpointSlice watch was silent for {SilentMs} ms (half-open connection?); restarting it")]
    public static partial void WatchSilent(ILogger logger, long silentMs);

    [LoggerMessage(106, LogLevel.Warning, "Ignored a malformed EndpointSlice: {Problem}")]
    public static partial void Malformed(ILogger logger, string problem);

    [LoggerMessage(107, LogLevel.Debug, "Periodic re-list of EndpointSlices (every {IntervalMs} ms)")]
    public static partial void Resync(ILogger logger, long intervalMs);

    [LoggerMessage(108, LogLevel.Information, "A continue token expired after page {Pages} of the list (410 Gone); listing again from the start (restart {Restart})")]
    public static partial void ContinueExpired(ILogger logger, int restart, int pages);

    [LoggerMessage(109, LogLevel.Debug, "The EndpointSlice watch ended before its first event; resuming from resourceVersion {ResourceVersion} in {DelayMs} ms: {Reason}")]
    public static partial void WatchCutEarly(ILogger logger, long delayMs, string resourceVersion, string reason);
}
