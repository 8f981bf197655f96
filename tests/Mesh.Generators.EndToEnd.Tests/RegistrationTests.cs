using Mesh.Generators.EndToEnd.Contracts;
using Mesh.Generators.EndToEnd.Tests.Cluster;
using Mesh.Generators.EndToEnd.Tests.Services;
using Mesh.Invocation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Generators.EndToEnd.Tests;

/// <summary>The one registration call, wire names and the idempotency flag.</summary>
public sealed class RegistrationTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly Type[] AllServices =
    [
        typeof(IShapes), typeof(IDog), typeof(ICat), typeof(IPuppy), typeof(IUserRepository), typeof(Outer.INested),
        typeof(IGlobalClock), typeof(Billing.IOrders), typeof(Shipping.IOrders), typeof(IInternalCounter),
        typeof(INamedService), typeof(IRetries), typeof(IInventory), typeof(IAuditLog),
    ];

    [Fact]
    public void AddMeshClients_OneCall_RegistersOwnAndReferencedServices()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMesh().AddMeshClients();

        var registered = builder.Services.Select(descriptor => descriptor.ServiceType).ToHashSet();

        Assert.All(AllServices, type => Assert.Contains(type, registered));
    }

    [Fact]
    public void AddMeshClients_ClientAlreadyRegistered_KeepsIt()
    {
        var builder = Host.CreateApplicationBuilder();
        var own = new NamedService();
        builder.Services.AddSingleton<INamedService>(own);
        builder.Services.AddMesh().AddMeshClients();

        using var provider = builder.Services.BuildServiceProvider();

        Assert.Same(own, provider.GetRequiredService<INamedService>());
    }

    [Fact]
    public async Task WireNames_DefaultAndExplicit_AreWhatPeersAdvertise()
    {
        var expected = new[]
        {
            "e2e-named",
            "IGlobalClock",
            "Mesh.Generators.EndToEnd.Contracts.IAuditLog",
            "Mesh.Generators.EndToEnd.Contracts.IInventory",
            "Mesh.Generators.EndToEnd.Tests.Billing.IOrders",
            "Mesh.Generators.EndToEnd.Tests.Services.Outer.INested",
            "Mesh.Generators.EndToEnd.Tests.Services.IUserRepository",
            "Mesh.Generators.EndToEnd.Tests.Shipping.IOrders",
        };

        var peers = fixture.Cluster.Get<IMeshNode>().Peers;

        Assert.Equal(2, peers.Count);
        Assert.All(peers, peer => Assert.Subset(peer.Services.ToHashSet(), expected.ToHashSet()));
        Assert.Equal("e2e-named", MeshServiceRegistry.Get<INamedService>().Name);
        Assert.Equal("named", await fixture.Cluster.Get<INamedService>().Hello().WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public void Idempotent_Attribute_IsOnTheMethodDescriptor()
    {
        var methods = MeshServiceRegistry.Get<IRetries>().Methods.ToDictionary(method => method.Name, method => method.IsIdempotent);

        Assert.True(methods["Lookup"]);
        Assert.False(methods["Reserve"]);
    }
}
