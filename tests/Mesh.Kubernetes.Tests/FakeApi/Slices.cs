using k8s.Models;

namespace Mesh.Kubernetes.Tests.FakeApi;

/// <summary>One endpoint of a slice, with the API's nullable conditions.</summary>
internal sealed record Ep(string Address, bool? Ready = true, bool? Serving = true, bool? Terminating = false, string? Uid = null);

/// <summary>Builds EndpointSlices as the EndpointSlice controller writes them.</summary>
internal static class Slices
{
    public static V1EndpointSlice Of(string name, string service, int port, params Ep[] endpoints)
        => Of(name, service, [new Discoveryv1EndpointPort { Name = "mesh", Port = port, Protocol = "TCP" }], "IPv4", endpoints);

    public static V1EndpointSlice Of(string name, string service, IList<Discoveryv1EndpointPort> ports, string addressType, params Ep[] endpoints) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        AddressType = addressType,
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "mesh-test",
            Labels = new Dictionary<string, string>
            {
                ["kubernetes.io/service-name"] = service,
                ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
            },
        },
        Ports = ports,
        Endpoints = [.. endpoints.Select(e => new V1Endpoint
        {
            Addresses = [e.Address],
            Conditions = new V1EndpointConditions { Ready = e.Ready, Serving = e.Serving, Terminating = e.Terminating },
            TargetRef = new V1ObjectReference { Kind = "Pod", Name = "pod-" + e.Address, Uid = e.Uid ?? "uid-" + e.Address, NamespaceProperty = "mesh-test" },
        })],
    };
}
