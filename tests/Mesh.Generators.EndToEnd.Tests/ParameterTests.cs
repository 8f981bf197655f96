using Mesh.Generators.EndToEnd.Tests.Cluster;
using Mesh.Invocation;
using Mesh.Generators.EndToEnd.Tests.Services;

namespace Mesh.Generators.EndToEnd.Tests;

/// <summary>Every supported parameter shape, and overloads, through the generated client on real nodes.</summary>
public sealed class ParameterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private IShapes Shapes => fixture.Cluster.Get<IShapes>();

    [Fact]
    public async Task None_NoArguments_Returns()
        => Assert.Equal("none", await Shapes.None().WaitAsync(TestCluster.Bound));

    [Fact]
    public async Task Many_TenArgumentsOfDifferentTypes_ArriveInOrder()
    {
        var guid = Guid.Parse("4a8b7c6d-1e2f-4a5b-8c9d-0e1f2a3b4c5d");
        var time = new DateTime(2026, 11, 27, 3, 4, 5, DateTimeKind.Utc);

        var result = await Shapes.Many(1, 2L, 3.5, true, "five", '6', 7.25m, guid, time, Priority.High).WaitAsync(TestCluster.Bound);

        Assert.Equal($"1|2|3.5|True|five|6|7.25|{guid}|2026-11-27T03:04:05.0000000Z|High", result);
    }

    [Fact]
    public async Task Defaults_Omitted_ServerSeesDefaultValues()
        => Assert.Equal("Hello Ada [Normal]<null>", await Shapes.Defaults("Ada").AsTask().WaitAsync(TestCluster.Bound));

    [Fact]
    public async Task Defaults_Given_ServerSeesGivenValues()
        => Assert.Equal("Hi Hi Bob [High]!", await Shapes.Defaults("Bob", "Hi", 2, Priority.High, "!").AsTask().WaitAsync(TestCluster.Bound));

    [Fact]
    public async Task Params_ExpandedEmptyAndArray_AllArrive()
    {
        Assert.Equal(6, await Shapes.Sum(1, 2, 3).WaitAsync(TestCluster.Bound));
        Assert.Equal(0, await Shapes.Sum().WaitAsync(TestCluster.Bound));
        Assert.Equal(10, await Shapes.Sum([4, 6]).WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task NullableReferences_NullAndValues_Arrive()
    {
        Assert.Equal("<null>/<null>", await Shapes.Describe(null, null).WaitAsync(TestCluster.Bound));
        Assert.Equal("t/Ada", await Shapes.Describe("t", new Customer { Name = "Ada" }).WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task Structs_ByValue_Arrive()
        => Assert.Equal(new Point(4, 7), await Shapes.Move(new Point(1, 2), new Vector(3, 5)).WaitAsync(TestCluster.Bound));

    [Fact]
    public async Task CancellationToken_CallerCancels_ServerTokenFiresAndCallerSeesCancellation()
    {
        var key = Guid.NewGuid().ToString();
        using var cancellation = new CancellationTokenSource();

        var call = Shapes.Wait(key, cancellation.Token);
        await fixture.Cluster.Probe.WhenStarted(key).WaitAsync(TestCluster.Bound);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TestCluster.Bound));
        await fixture.Cluster.Probe.WhenCancelled(key).WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Overloads_SameName_EachReachesItsImplementation()
    {
        Assert.Equal("int:5", await Shapes.Format(5).WaitAsync(TestCluster.Bound));
        Assert.Equal("string:5", await Shapes.Format("5").WaitAsync(TestCluster.Bound));
        Assert.Equal("formatted:005", await Shapes.Format(5, "000").WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public void Overloads_SameName_HaveDistinctStableIds()
    {
        var format = MeshServiceRegistry.Get<IShapes>().Methods.Where(method => method.Name == "Format").ToList();

        Assert.Equal(3, format.Count);
        Assert.Equal(
            new[] { "Format(System.Int32)", "Format(System.String)", "Format(System.Int32,System.String)" }.Select(StableHash.Compute).Order(),
            format.Select(method => method.Id).Order());
    }
}
