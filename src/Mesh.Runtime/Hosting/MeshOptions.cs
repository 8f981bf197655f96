using Mesh.Balancing;

namespace Mesh;

/// <summary>Settings of a Mesh node. Every option is validated at start-up.</summary>
public sealed class MeshOptions
{
    /// <summary>Name of the mesh; nodes of different meshes refuse to link. Default <c>mesh</c>.</summary>
    public string MeshName { get; set; } = "mesh";

    /// <summary>This node's id, unique in the mesh. Default: the host name plus a random suffix.</summary>
    public string NodeId { get; set; } = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>
    /// The <c>address:port</c> this node accepts links on (port 0 picks a free port), e.g.
    /// <c>0.0.0.0:7800</c>; <c>[::]:7800</c> accepts IPv4 and IPv6 links (dual-stack clusters). Null for a node
    /// that only calls others. Required when the node hosts services.
    /// </summary>
    public string? ListenEndpoint { get; set; }

    /// <summary>
    /// Peers to link to, as <c>host:port</c>, when discovery is static (the local default). A node may list
    /// itself; it then serves its own calls through the same path as remote ones.
    /// </summary>
    public IList<string> StaticPeers { get; } = [];

    /// <summary>Deadline of a call when the caller does not set one. Default 30 s.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed to open a TCP connection to a peer. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed for the handshake on a new link. Default 5 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First delay before reconnecting to a peer; doubles per failure, with jitter. Default 100 ms.</summary>
    public TimeSpan ReconnectMinBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest delay between reconnection attempts. Default 5 s.</summary>
    public TimeSpan ReconnectMaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// On shutdown, how long running calls may take to finish after peers were told the node is draining.
    /// Default 10 s.
    /// </summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest frame payload accepted or sent, in bytes. Default 4 MiB.</summary>
    public int MaxFrameSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// TCP connections this node keeps to each peer, 1 to 64. Default 1: one multiplexed connection carries
    /// every call, and batches best. More spread one peer's calls over several connections (each with its own
    /// send and receive loop) for peers that move more data than one connection's loops keep up with; the
    /// balancer still sees the peer once, and each call takes the peer's connection with the fewest in flight.
    /// </summary>
    public int ConnectionsPerPeer { get; set; } = 1;

    /// <summary>
    /// A service hosted by more peers than this is reached through a deterministic aperture: each caller links to
    /// an even, overlapping subset of those peers chosen by its place on a ring (so every peer gets the same share of
    /// callers), sized to the load the caller sends and never under <see cref="ApertureMinPeers"/>. With at most this
    /// many peers the caller links to all of them. At least 1; <see cref="int.MaxValue"/> turns the aperture off.
    /// Default 32.
    /// </summary>
    public int ApertureThreshold { get; set; } = 32;

    /// <summary>
    /// The fewest peers of a service a caller's aperture holds, for redundancy, however idle the caller is (see
    /// <see cref="ApertureThreshold"/>). The aperture grows past it when the caller keeps more than eight calls in
    /// flight per peer (to about four each), and shrinks back when it keeps fewer than one per peer. 1 to
    /// <see cref="ApertureThreshold"/>. Default 12.
    /// </summary>
    public int ApertureMinPeers { get; set; } = 12;

    /// <summary>
    /// Most outgoing links this node tries to form at once (connect, TLS and handshake); the others wait their turn,
    /// so a node that finds many peers at once, or loses many links at once, does not flood its peers (or its own
    /// CPU) with handshakes. 1 to 1024. Default 16.
    /// </summary>
    public int MaxLinkAttemptsInProgress { get; set; } = 16;

    /// <summary>
    /// How calls that the balancer sends to this node itself run (the node is among its peers when discovery
    /// lists it, as in Kubernetes). <see cref="LocalCallMode.Network"/> (the default) sends them over a
    /// loopback link like any other; <see cref="LocalCallMode.ShortCircuit"/> runs them in-process, still
    /// serialized and with the same deadlines, cancellation, limits and errors.
    /// </summary>
    public LocalCallMode LocalCalls { get; set; } = LocalCallMode.Network;

    /// <summary>
    /// Most calls one link may have in flight at once; past it, new calls go to other peers (or fail with
    /// <see cref="PeerUnavailableException"/> when every link is full). Default 4096.
    /// </summary>
    public int MaxCallsInFlightPerLink { get; set; } = 4096;

    /// <summary>
    /// Most calls this node executes at once, over all links; past it, it refuses calls as overloaded
    /// (never queues them) and the caller retries them on another peer. Default 4096.
    /// </summary>
    public int MaxConcurrentCalls { get; set; } = 4096;

    /// <summary>
    /// Most calls one caller's link may have executing on this node at once, so one link cannot take every slot of
    /// <see cref="MaxConcurrentCalls"/> and starve the others; past it, that link's calls are refused as overloaded.
    /// 0 (the default) means half of <see cref="MaxConcurrentCalls"/> (at least 1).
    /// </summary>
    public int MaxConcurrentCallsPerLink { get; set; }

    /// <summary>
    /// The longest a call may run on this node, whatever deadline its caller carried (a caller that sends none gets
    /// this one), so "no deadline" is never "forever". Default 5 minutes.
    /// </summary>
    public TimeSpan MaxDeadline { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether a caller whose call failed on this node gets the exception's message. Off by default: callers get the
    /// exception's type and a correlation id, and this node logs the whole exception with that id, so messages
    /// (connection strings, paths, user data) never leave the node. Turn on for development.
    /// </summary>
    public bool SendExceptionMessages { get; set; }

    /// <summary>
    /// Mutual TLS for every link. A node needs either this (<see cref="MeshTlsOptions.CertificatePath"/> and the other
    /// files) or <see cref="AllowPlaintext"/>; with neither it fails at start-up.
    /// </summary>
    public MeshTlsOptions Tls { get; } = new();

    /// <summary>
    /// The explicit choice of plaintext links when <see cref="Tls"/> is not configured: anyone who can reach the node's
    /// port and knows the mesh name can then call it, so keep such a mesh on a trusted network (local runs, tests, a
    /// NetworkPolicy). Off by default: a node with neither TLS nor this fails at start-up. Ignored when <see cref="Tls"/>
    /// is configured (links then use TLS).
    /// </summary>
    public bool AllowPlaintext { get; set; }

    /// <summary>
    /// Most bytes of answers a node keeps queued for one caller that does not read them. Past it, that link's new
    /// requests are refused as overloaded; past twice it, the answers of calls that finish are dropped and the caller
    /// gets a failure instead, so a caller that stops reading cannot make the node hold more. At least
    /// <see cref="MaxFrameSize"/>. Default 16 MiB.
    /// </summary>
    public int MaxSendQueueBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Most bytes of answers the node keeps queued for all its callers together, so that many callers that do not read
    /// (each within <see cref="MaxSendQueueBytes"/>) cannot together exhaust its memory. Past it, new requests from a link
    /// that holds answers are refused; past twice it, such a link's finished answers are dropped. Size it to the Pod's
    /// memory limit. At least <see cref="MaxSendQueueBytes"/>. Default 64 MiB.
    /// </summary>
    public long MaxNodeSendQueueBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Credit, in items, a caller grants each stream it opens (a method returning <see cref="IAsyncEnumerable{T}"/>):
    /// the serving node sends at most this many items ahead of what the consumer has taken, so a slow consumer slows
    /// the producer and a stream buffers at most this many items on the caller. Granted again as the consumer takes
    /// half of it. Default 256.
    /// </summary>
    public int StreamCreditItems { get; set; } = 256;

    /// <summary>
    /// Credit, in bytes of serialized items, a caller grants each stream it opens, next to <see cref="StreamCreditItems"/>:
    /// a stream buffers at most this plus one item on the caller. Default 256 KiB.
    /// </summary>
    public int StreamCreditBytes { get; set; } = 256 * 1024;

    /// <summary>The protocol features this node offers its peers; tests lower it to play an older build.</summary>
    internal ushort WireFeatures { get; set; } = Transport.Protocol.Features;

    /// <summary>
    /// Most bytes of trailing arguments a request may carry beyond the parameters this node's version of the method has
    /// (those a newer caller's version appended, README "Changing a service safely"): they are ignored and never held for
    /// the call. A request carrying more (or malformed arguments) is refused before it runs, with
    /// <see cref="PayloadTooLargeException"/> on the caller; its link is unaffected. Default 64 KiB.
    /// </summary>
    public int MaxUnknownArgumentBytes { get; set; } = 64 * 1024;

    /// <summary>Most links this node accepts at once (open or still in their handshake). Default 1024.</summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>Most links this node accepts at once from one remote IP address. Default 64.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 64;

    /// <summary>Most accepted connections that may be in their handshake at once. Default 64.</summary>
    public int MaxPendingHandshakes { get; set; } = 64;

    /// <summary>
    /// Largest hello (the first frame a peer sends: its id and services) accepted, in bytes, at most
    /// <see cref="MaxFrameSize"/>. Default 64 KiB.
    /// </summary>
    public int MaxHelloSize { get; set; } = 64 * 1024;

    /// <summary>
    /// Once a frame has started to arrive, the rest must arrive within this; a link that trickles a frame is closed.
    /// Default 10 s.
    /// </summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// On a link where nothing else arrives, the side that connected sends a ping this often (the peer answers with a
    /// pong; the accepting side pings only if it hears nothing for two intervals); links also check
    /// <see cref="HeartbeatTimeout"/> this often. Every link of a process pings at the same instants, so idle links
    /// wake the process once per interval, not once per link. Default 2 s (an idle link then costs one ping and one
    /// pong every 2 s; a live peer still answers well within the 5 s timeout).
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A link on which nothing (no frame, no pong) arrived for this long is declared dead: its calls in flight
    /// fail with <see cref="PeerUnavailableException"/> and it reconnects. Covers half-open connections and
    /// frozen processes. Default 5 s; must exceed <see cref="HeartbeatInterval"/>.
    /// </summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How calls pick a peer; one of <see cref="LoadBalancingPolicies"/>. Default
    /// <see cref="LoadBalancingPolicies.LoadAware"/>.
    /// </summary>
    public string LoadBalancingPolicy { get; set; } = LoadBalancingPolicies.Default;

    /// <summary>
    /// Per-service policies: service wire name (e.g. <c>Shop.IInventory</c>) to one of
    /// <see cref="LoadBalancingPolicies"/>; services not listed use <see cref="LoadBalancingPolicy"/>.
    /// </summary>
    public IDictionary<string, string> ServiceLoadBalancingPolicies { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// How often a node takes its load report for the links it serves (it also piggybacks one on every response), so
    /// idle callers stay informed: every link gets it when it changed meaningfully (or while the node holds calls),
    /// otherwise a link gets it only when the last one it got is 20 intervals old. Default 250 ms.
    /// </summary>
    public TimeSpan LoadReportInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A newly linked peer ramps up over this window instead of being flooded (its cost is divided by a
    /// factor growing from 0.1 to 1). Zero turns slow start off. Default 2 s.
    /// </summary>
    public TimeSpan SlowStartWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Time constant of the peak-EWMA latency a caller keeps per peer: a sample's weight falls to 1/e after
    /// it; an idle peer's estimate decays toward zero at the same pace. Default 1 s.
    /// </summary>
    public TimeSpan LatencyDecay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A peer's load report counts with weight exp(−age / this), and not at all past 4 × this. Default 250 ms.
    /// </summary>
    public TimeSpan LoadReportDecay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How much the load other callers put on a peer (from its reports) counts next to this caller's own
    /// outstanding calls in the default policy's cost; 0 ignores reports. Default 0.1: in the balancing simulator's
    /// suite it meets every bar (with a better worst-case p99 than 0), while weights of 0.25 and more made the default
    /// herd when many callers read the same report (README, "How a call picks a peer").
    /// </summary>
    public double LoadReportWeight { get; set; } = 0.1;

    /// <summary>
    /// ε of keyed calls (<see cref="BalancedServiceAttribute.Keyed"/>): a key's calls stay on the node that owns it
    /// on the hash ring while that node's load (this caller's calls outstanding there plus the load it reports) is at
    /// most (1 + ε) × the mean over the service's nodes, and go to the next node on the ring that is within it
    /// otherwise. Smaller keeps loads closer to even and moves more calls off their owner when a key is hot; larger
    /// keeps more calls on their owner. Greater than 0, at most 100. Default 0.25.
    /// </summary>
    public double KeyedLoadBound { get; set; } = 0.25;
}
