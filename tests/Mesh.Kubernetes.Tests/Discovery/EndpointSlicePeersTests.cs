using k8s.Models;
using Mesh.Kubernetes.Tests.FakeApi;
using Mesh.Membership;

namespace Mesh.Kubernetes.Tests.Discovery;

public sealed class EndpointSlicePeersTests
{
    [Theory]
    [InlineData(null, null, null, "Ready")]
    [InlineData(true, true, false, "Ready")]
    [InlineData(false, false, false, "Gone")]
    [InlineData(false, null, null, "Gone")]
    [InlineData(false, true, true, "Draining")]
    [InlineData(false, false, true, "Gone")]
    // publishNotReadyAddresses: ready is always true; serving and terminating decide.
    [InlineData(true, false, false, "Gone")]
    [InlineData(true, true, true, "Draining")]
    [InlineData(true, false, true, "Gone")]
    public void Classify_Conditions_FollowTheApiDefaults(bool? ready, bool? serving, bool? terminating, string expected)
        => Assert.Equal(Enum.Parse<EndpointState>(expected), EndpointConditions.Classify(new V1EndpointConditions { Ready = ready, Serving = serving, Terminating = terminating }));

    [Fact]
    public void Classify_NoConditions_Ready() => Assert.Equal(EndpointState.Ready, EndpointConditions.Classify(null));

    [Fact]
    public void Compute_SamePodInTwoSlices_OnePeerAndTheReadyCopyWins()
    {
        var problems = new List<string>();
        var peers = EndpointSlicePeers.Compute(
            [
                Slices.Of("a", "shop", 7800, new Ep("10.0.0.1", Ready: false, Serving: true, Terminating: true, Uid: "p1"), new Ep("10.0.0.2")),
                Slices.Of("b", "shop", 7800, new Ep("10.0.0.1", Uid: "p1")),
            ],
            "mesh",
            problems);

        Assert.Equal([new DiscoveredPeer("10.0.0.1", 7800), new DiscoveredPeer("10.0.0.2", 7800)], peers);
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("shop-4xk2p", "shop-zq7rt")]
    [InlineData("shop-zq7rt", "shop-4xk2p")]
    public void Compute_DualStackSlicesInEitherNameOrder_EveryPodAtItsIPv4Address(string v4Name, string v6Name)
    {
        var peers = EndpointSlicePeers.Compute(
            [
                Slices.Of(v6Name, "shop", [new Discoveryv1EndpointPort { Name = "mesh", Port = 7800 }], "IPv6", new Ep("fd00::1", Uid: "p1"), new Ep("fd00::2", Uid: "p2")),
                Slices.Of(v4Name, "shop", 7800, new Ep("10.0.0.1", Uid: "p1"), new Ep("10.0.0.2", Uid: "p2")),
            ],
            "mesh",
            []);

        Assert.Equal([new DiscoveredPeer("10.0.0.1", 7800), new DiscoveredPeer("10.0.0.2", 7800)], peers);
    }

    [Theory]
    [InlineData("shop-4xk2p", "shop-zq7rt")]
    [InlineData("shop-zq7rt", "shop-4xk2p")]
    public void Compute_DualStackPreferringIPv6_EveryPodAtItsIPv6AddressAndAnIPv4OnlyPodKept(string v4Name, string v6Name)
    {
        var peers = EndpointSlicePeers.Compute(
            [
                Slices.Of(v4Name, "shop", 7800, new Ep("10.0.0.1", Uid: "p1"), new Ep("10.0.0.3", Uid: "p3")),
                Slices.Of(v6Name, "shop", [new Discoveryv1EndpointPort { Name = "mesh", Port = 7800 }], "IPv6", new Ep("fd00::1", Uid: "p1", Ready: false, Serving: true, Terminating: true)),
            ],
            "mesh",
            System.Net.Sockets.AddressFamily.InterNetworkV6,
            []);

        // p1 is ready in its IPv4 copy: ready either way; p3 has no IPv6 address and is kept at its IPv4 one.
        Assert.Equal([new DiscoveredPeer("10.0.0.3", 7800), new DiscoveredPeer("fd00::1", 7800)], peers);
    }

    [Fact]
    public void Compute_PortSelectedByName_OtherPortsIgnored()
    {
        var peers = EndpointSlicePeers.Compute(
            [Slices.Of("a", "shop", [new Discoveryv1EndpointPort { Name = "http", Port = 8080 }, new Discoveryv1EndpointPort { Name = "mesh", Port = 7801 }], "IPv4", new Ep("10.0.0.1"))],
            "mesh",
            []);

        Assert.Equal([new DiscoveredPeer("10.0.0.1", 7801)], peers);
    }

    [Fact]
    public void Compute_MalformedEndpointsAndSlices_IgnoredWithReasonsRestKept()
    {
        var problems = new List<string>();
        var noAddresses = Slices.Of("d", "shop", 7800, new Ep("10.0.0.9"));
        noAddresses.Endpoints[0].Addresses = [];
        var peers = EndpointSlicePeers.Compute(
            [
                Slices.Of("a", "shop", 7800, new Ep("10.0.0.1"), new Ep("nope"), new Ep("fd00::1")),
                Slices.Of("b", "shop", [new Discoveryv1EndpointPort { Name = "mesh", Port = 70000 }], "IPv4", new Ep("10.0.0.2")),
                Slices.Of("c", "shop", [new Discoveryv1EndpointPort { Name = "mesh", Port = 7800 }], "Bogus", new Ep("10.0.0.3")),
                noAddresses,
            ],
            "mesh",
            problems);

        Assert.Equal([new DiscoveredPeer("10.0.0.1", 7800)], peers);
        Assert.Equal(5, problems.Count);
        Assert.Contains(problems, p => p.Contains("'nope' is not a valid IPv4 address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("port 'mesh' has no valid number", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("addressType 'Bogus'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("has no address", StringComparison.Ordinal));
    }
}
