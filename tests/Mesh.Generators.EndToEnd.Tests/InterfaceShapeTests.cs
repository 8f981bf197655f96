using Mesh.Generators.EndToEnd.Contracts;
using Mesh.Generators.EndToEnd.Tests.Cluster;
using Mesh.Generators.EndToEnd.Tests.Services;
using Mesh.Invocation;

namespace Mesh.Generators.EndToEnd.Tests;

/// <summary>Inheritance, generic bases, nesting, namespaces, accessibility and referenced assemblies.</summary>
public sealed class InterfaceShapeTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Inheritance_BaseMethods_CallableThroughDerivedServices()
    {
        Assert.Equal("dog", await fixture.Cluster.Get<IDog>().Name().WaitAsync(TestCluster.Bound));
        Assert.Equal("woof", await fixture.Cluster.Get<IDog>().Bark().WaitAsync(TestCluster.Bound));
        Assert.Equal("cat", await fixture.Cluster.Get<ICat>().Name().WaitAsync(TestCluster.Bound));
        Assert.Equal("meow", await fixture.Cluster.Get<ICat>().Meow().AsTask().WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task Inheritance_ServiceDerivedFromServiceAndDiamond_AllMethodsReachTheRightImplementation()
    {
        var puppy = fixture.Cluster.Get<IPuppy>();

        Assert.Equal("puppy", await puppy.Name().WaitAsync(TestCluster.Bound));
        Assert.Equal("yip", await puppy.Bark().WaitAsync(TestCluster.Bound));
        Assert.Equal("ada", await puppy.Owner().WaitAsync(TestCluster.Bound));
        Assert.Equal("fetch", await puppy.Play().WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public void Inheritance_BaseMethod_KeepsOneIdInEveryService()
    {
        var expected = StableHash.Compute("Name()");

        foreach (var definition in new ServiceDefinition[] { MeshServiceRegistry.Get<IDog>(), MeshServiceRegistry.Get<ICat>(), MeshServiceRegistry.Get<IPuppy>() })
        {
            Assert.Equal(expected, Assert.Single(definition.Methods, method => method.Name == "Name").Id);
        }

        Assert.Equal(4, MeshServiceRegistry.Get<IPuppy>().Methods.Count);
    }

    [Fact]
    public async Task GenericBase_ClosedInDerivedService_MethodsUseClosedTypes()
    {
        var users = fixture.Cluster.Get<IUserRepository>();
        IRepository<User> repository = users;

        await repository.Save(new User(1, "Ada")).WaitAsync(TestCluster.Bound);
        await repository.Save(new User(2, "Bob")).WaitAsync(TestCluster.Bound);

        Assert.Equal(new User(2, "Bob"), await repository.Find(2).WaitAsync(TestCluster.Bound));
        Assert.Null(await repository.Find(99).WaitAsync(TestCluster.Bound));
        Assert.Equal(new[] { new User(1, "Ada"), new User(2, "Bob") }, await repository.All().AsTask().WaitAsync(TestCluster.Bound));
        Assert.Equal(2, await users.Count().WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task NestedInClass_Calls()
        => Assert.Equal("nested", await fixture.Cluster.Get<Outer.INested>().Where().WaitAsync(TestCluster.Bound));

    [Fact]
    public async Task GlobalNamespace_Calls()
        => Assert.Equal(1_005, await fixture.Cluster.Get<IGlobalClock>().Ticks(5).WaitAsync(TestCluster.Bound));

    [Fact]
    public async Task SameNameInDifferentNamespaces_EachReachesItsOwnService()
    {
        Assert.Equal("billing:7", await fixture.Cluster.Get<Billing.IOrders>().Total(7).WaitAsync(TestCluster.Bound));
        Assert.Equal("shipping:7", await fixture.Cluster.Get<Shipping.IOrders>().Total(7).WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task InternalInterface_Calls()
    {
        var counter = fixture.Cluster.Get<IInternalCounter>();

        var first = await counter.Increment(0).WaitAsync(TestCluster.Bound);
        var second = await counter.Increment(0).WaitAsync(TestCluster.Bound);

        Assert.True(first >= 0 && second >= 0);
        Assert.True(await counter.Increment(1_000).WaitAsync(TestCluster.Bound) >= 1_000);
    }

    [Fact]
    public async Task ReferencedAssembly_PublicService_Calls()
    {
        var stock = await fixture.Cluster.Get<IInventory>().Stock("sku-42").WaitAsync(TestCluster.Bound);

        Assert.Equal("sku-42", stock.Sku);
        Assert.Equal(6, stock.Quantity);
        Assert.StartsWith("node-", stock.NodeId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReferencedAssembly_InternalServiceSharedThroughInternalsVisibleTo_Calls()
        => Assert.True(await fixture.Cluster.Get<IAuditLog>().Append("entry").AsTask().WaitAsync(TestCluster.Bound) >= 1);
}
