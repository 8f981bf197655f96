using System.Diagnostics;
using Mesh.Calls;
using Mesh.Invocation;

namespace Mesh.Runtime.Tests.Calls;

/// <summary>A link's table of calls in flight starts small and grows with the calls, up to the link's cap.</summary>
public sealed class PendingTableTests
{
    private static readonly MeshMethod Method = new("Table.Service", "Call", 1, isIdempotent: false);

    private static PendingCall NewCall() => PendingCall.Start(
        Method,
        TimeSpan.FromSeconds(60),
        Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency),
        CancellationToken.None);

    [Fact]
    public void Constructor_CapOfThousands_HoldsOnlyTheInitialSlots()
    {
        var table = new PendingTable(4096);

        Assert.Equal(PendingTable.InitialSlots, table.Slots);
        Assert.Equal(4096, table.Capacity);
    }

    [Fact]
    public void TryAdd_MoreCallsThanSlots_GrowsUpToTheCapAndRefusesPastIt()
    {
        const int Cap = 40;
        var table = new PendingTable(Cap);
        var calls = Enumerable.Range(0, Cap).Select(_ => NewCall()).ToArray();
        var ids = new long[Cap];

        for (var i = 0; i < Cap; i++)
        {
            Assert.True(table.TryAdd(calls[i], out ids[i]));
        }

        Assert.Equal(Cap, table.Slots);
        Assert.False(table.TryAdd(NewCall(), out _));
        Assert.Equal(Cap, ids.Distinct().Count());
        for (var i = 0; i < Cap; i++)
        {
            Assert.Same(calls[i], table.TryRemove(ids[i]));
        }

        Assert.True(table.IsEmpty);
    }

    [Fact]
    public void TryRemove_IdOfASlotNotYetGrown_Null()
    {
        var table = new PendingTable(4096);

        Assert.Null(table.TryRemove(PendingTable.InitialSlots + 5));
    }

    [Fact]
    public void Close_AfterGrowth_RemovesEveryCall()
    {
        var table = new PendingTable(100);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(table.TryAdd(NewCall(), out _));
        }

        Assert.Equal(50, table.Close().Count);
        Assert.False(table.TryAdd(NewCall(), out _));
    }
}
