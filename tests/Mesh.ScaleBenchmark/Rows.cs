namespace Mesh.ScaleBenchmark;

/// <summary>
/// The idle mesh of <see cref="Nodes"/> nodes: full (N² links, each node's link to itself included) up to the aperture
/// threshold, apertured past it. <see cref="ExpectedLinks"/> is what every node should hold; <see cref="LinksAfterIdle"/>
/// what they held at the end of the idle window, <see cref="ConnectionsBefore"/> the connections at its start.
/// </summary>
internal sealed record IdleRow(
    int Nodes,
    int Processes,
    int Connections,
    double CpuPercent,
    double RssMiB,
    double LoopbackKBps,
    double? LinkedAfterSeconds,
    int? LinksWhenUnlinked,
    double CpuMicrosPerLinkSecond,
    double RssKiBPerLink,
    int ExpectedLinks,
    int ConnectionsBefore,
    int LinksAfterIdle);

/// <summary>One caller at a fixed number of calls in flight spread over <see cref="Servers"/> servers (of the mesh above).</summary>
internal sealed record CallRow(int Servers, int LinkedServers, int InFlight, double CallsPerSecond, double CpuMicrosPerCall, long Failed);

/// <summary>One caller linked to <see cref="Peers"/> server-only nodes (issue 14's scale rows).</summary>
internal sealed record PeerRow(
    int Peers,
    int LinkedPeers,
    double RssKiBPerLink,
    double ManagedKiBPerLink,
    double PickNanoseconds,
    int InFlight,
    double CallsPerSecond,
    double CpuMicrosPerCall,
    double IdleCpuMicrosPerLinkSecond,
    double IdleBytesPerLinkSecond,
    long RssDeltaBytes,
    long ManagedDeltaBytes,
    double IdleCpuMicrosPerSecond);

/// <summary>
/// One caller node linked to <see cref="Servers"/> server nodes with <see cref="ConnectionsPerPeer"/> connections each
/// (<see cref="Links"/> idle links in all): the same nodes at every row, so the difference between rows is what links
/// cost. CPU of both processes over the idle window (µs per second), resident set and managed heap of both after an
/// aggressive collection, loopback traffic.
/// </summary>
internal sealed record LinkRow(int Servers, int ConnectionsPerPeer, int Links, double CpuMicrosPerSecond, long RssBytes, long ManagedBytes, double LoopbackBytesPerSecond);

/// <summary>Everything one run measured.</summary>
internal sealed record ScaleReport(
    string Commit,
    int Cores,
    string Namespace,
    List<IdleRow> Idle,
    List<CallRow> Calls,
    List<PeerRow> Peers,
    List<LinkRow> Links,
    List<string> Failures);
