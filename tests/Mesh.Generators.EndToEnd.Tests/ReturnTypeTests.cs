using Mesh.Generators.EndToEnd.Tests.Cluster;
using Mesh.Generators.EndToEnd.Tests.Services;

namespace Mesh.Generators.EndToEnd.Tests;

/// <summary>Every supported return type, called through the generated client on real nodes.</summary>
public sealed class ReturnTypeTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private IShapes Shapes => fixture.Cluster.Get<IShapes>();

    [Fact]
    public async Task Task_NoResult_RunsOnServer()
    {
        var key = Guid.NewGuid().ToString();

        await Shapes.Touch(key).WaitAsync(TestCluster.Bound);

        Assert.True(fixture.Cluster.Probe.WhenTouched(key).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ValueTask_NoResult_RunsOnServer()
    {
        var key = Guid.NewGuid().ToString();

        await Shapes.TouchValue(key).AsTask().WaitAsync(TestCluster.Bound);

        Assert.True(fixture.Cluster.Probe.WhenTouched(key).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task TaskOfPrimitive_ReturnsValue()
        => Assert.Equal(84, await Shapes.Primitive(42).WaitAsync(TestCluster.Bound));

    [Fact]
    public async Task ValueTaskOfString_ReturnsValue()
        => Assert.Equal("ÉCLAIR", await Shapes.Text("éclair").AsTask().WaitAsync(TestCluster.Bound));

    [Fact]
    public async Task TaskOfArray_ReturnsElements()
        => Assert.Equal(new[] { 1, 2, 3, 4 }, await Shapes.Array(4).WaitAsync(TestCluster.Bound));

    [Fact]
    public async Task ValueTaskOfList_ReturnsElements()
        => Assert.Equal(new List<string> { "p0", "p1", "p2" }, await Shapes.List("p", 3).AsTask().WaitAsync(TestCluster.Bound));

    [Fact]
    public async Task TaskOfDictionary_ReturnsEntries()
    {
        var result = await Shapes.Dictionary(["a", "bb", "ccc"]).WaitAsync(TestCluster.Bound);

        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["bb"] = 2, ["ccc"] = 3 }, result);
    }

    [Fact]
    public async Task TaskOfNullable_ValueAndNull_RoundTrip()
    {
        Assert.Equal(8, await Shapes.Nullable(7).WaitAsync(TestCluster.Bound));
        Assert.Null(await Shapes.Nullable(null).WaitAsync(TestCluster.Bound));
        Assert.Equal("x!", await Shapes.NullableText("x").AsTask().WaitAsync(TestCluster.Bound));
        Assert.Null(await Shapes.NullableText(null).AsTask().WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task TaskOfEnum_ReturnsValue()
    {
        Assert.Equal(Priority.High, await Shapes.Enum(Priority.Normal).WaitAsync(TestCluster.Bound));
        Assert.Equal(Priority.Low, await Shapes.Enum(Priority.High).WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task ValueTaskOfRecord_ReturnsRecord()
    {
        var result = await Shapes.Record(new Order(1, "sku-1", Priority.High, ["a"])).AsTask().WaitAsync(TestCluster.Bound);

        Assert.Equal(2, result.Id);
        Assert.Equal("sku-1", result.Sku);
        Assert.Equal(Priority.High, result.Priority);
        Assert.Equal("a", result.Tags[0]);
        Assert.StartsWith("node-", result.Tags[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskOfClass_ReturnsObject()
    {
        var customer = new Customer { Name = "Ada", Email = "ada@example.com", Points = new() { ["gold"] = 3 } };

        var result = await Shapes.Class(customer).WaitAsync(TestCluster.Bound);

        Assert.Equal("Ada (seen)", result.Name);
        Assert.Equal("ada@example.com", result.Email);
        Assert.Equal(30, result.Points["gold"]);
    }
}
