using System.Net.Sockets;
using k8s;

namespace Mesh.Kubernetes;

/// <summary>
/// Settings of EndpointSlice discovery: which Service's Pods are the mesh's peers, and how the list + watch
/// loop behaves. Validated at start-up.
/// </summary>
public sealed class KubernetesDiscoveryOptions
{
    /// <summary>
    /// The Service whose EndpointSlices list the peers (label <c>kubernetes.io/service-name</c>). Required;
    /// usually a headless Service that names the mesh port.
    /// </summary>
    public string? ServiceName { get; set; }

    /// <summary>
    /// The namespace of the Service. Default: the Pod's own namespace (read from the service-account files in a
    /// cluster), else the kubeconfig context's namespace, else <c>default</c>.
    /// </summary>
    public string? Namespace { get; set; }

    /// <summary>The name of the Service port that is the mesh port. Default <c>mesh</c>.</summary>
    public string PortName { get; set; } = "mesh";

    /// <summary>
    /// The client configuration. Default: in-cluster configuration when running in a Pod, otherwise the
    /// kubeconfig of <see cref="KubeConfigPath"/>, <c>$KUBECONFIG</c> or <c>~/.kube/config</c>.
    /// </summary>
    public KubernetesClientConfiguration? Configuration { get; set; }

    /// <summary>A kubeconfig file to use outside a cluster (overrides <c>$KUBECONFIG</c>). Default none.</summary>
    public string? KubeConfigPath { get; set; }

    /// <summary>The kubeconfig context to use. Default: the file's current context.</summary>
    public string? KubeConfigContext { get; set; }

    /// <summary>
    /// A watch asks the server to end it after a random time between this and twice this, then re-watches
    /// from the last resource version. Default 5 minutes.
    /// </summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A watch that receives nothing (no event and no bookmark) for this margin beyond the longest quiet time a
    /// healthy watch has is presumed half-open and restarted from its last resource version. The quiet time is
    /// the watch's own timeout, or one minute when that is longer: API servers send a bookmark to watches that
    /// ask for them (discovery always does) about once a minute. Default 30 s.
    /// </summary>
    public TimeSpan WatchdogMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Full re-list interval, a safety net against missed events. Default 10 minutes.</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>First delay before re-watching after a broken watch; doubles per failure, with jitter. Default 200 ms.</summary>
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest delay between re-watch attempts. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Which address of a dual-stack Pod (one address in an IPv4 slice, one in an IPv6 slice) the node links
    /// to: <see cref="AddressFamily.InterNetwork"/> (IPv4, the default) or <see cref="AddressFamily.InterNetworkV6"/>.
    /// A Pod with only an address of the other family is still reached at it. The choice never depends on
    /// slice names or order. A node listening on <c>[::]</c> accepts both families.
    /// </summary>
    public AddressFamily PreferredAddressFamily { get; set; } = AddressFamily.InterNetwork;

    /// <summary>EndpointSlices per list page (<c>limit</c>, then <c>continue</c>). Default 500.</summary>
    public int PageSize { get; set; } = 500;
}
