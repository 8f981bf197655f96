using static Mesh.RollingUpdate.Tests.CompatibleChangeTests;

namespace Mesh.RollingUpdate.Tests;

/// <summary>
/// The incompatible changes of "Changing a service safely" (README): the call fails with an error that
/// names the service, the method, the caller's contract and what the receiving node's version offers.
/// </summary>
[Collection(RollingUpdateCollection.Name)]
public sealed class IncompatibleChangeTests(RollingUpdateFixture fixture)
{
    [Fact]
    public void ChangeParameterType_BothDirections_ErrorNamesBothContracts()
    {
        var oldToNew = Error(fixture.OldCallerNewServer, "type-changed.square", typeof(UnknownMethodException));
        AssertNamesBothSides(oldToNew, "RollingUpdate.ITypeChanged", caller: "Square(System.Int32)", server: "Square(System.Int64)");
        var newToOld = Error(fixture.NewCallerOldServer, "type-changed.square", typeof(UnknownMethodException));
        AssertNamesBothSides(newToOld, "RollingUpdate.ITypeChanged", caller: "Square(System.Int64)", server: "Square(System.Int32)");
    }

    [Fact]
    public void ReorderParameters_BothDirections_ErrorNamesBothContracts()
    {
        var oldToNew = Error(fixture.OldCallerNewServer, "reordered.repeat", typeof(UnknownMethodException));
        AssertNamesBothSides(oldToNew, "RollingUpdate.IReordered", caller: "Repeat(System.String,System.Int32)", server: "Repeat(System.Int32,System.String)");
        var newToOld = Error(fixture.NewCallerOldServer, "reordered.repeat", typeof(UnknownMethodException));
        AssertNamesBothSides(newToOld, "RollingUpdate.IReordered", caller: "Repeat(System.Int32,System.String)", server: "Repeat(System.String,System.Int32)");
    }

    [Fact]
    public void RemoveMethod_OldCallerNewServer_ErrorNamesBothContracts()
    {
        var outcome = Error(fixture.OldCallerNewServer, "removed-method.removed", typeof(UnknownMethodException));
        AssertNamesBothSides(outcome, "RollingUpdate.IRemovedMethod", caller: "Removed()", server: "Kept()");
    }

    private static void AssertNamesBothSides(string message, string service, string caller, string server)
    {
        Assert.Contains($"'{service}'", message, StringComparison.Ordinal);
        Assert.Contains($"The caller's version calls {caller};", message, StringComparison.Ordinal);
        Assert.Contains($"This node's version of the service offers: {server}.", message, StringComparison.Ordinal);
    }
}
