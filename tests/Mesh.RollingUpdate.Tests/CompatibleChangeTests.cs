namespace Mesh.RollingUpdate.Tests;

/// <summary>
/// The compatible changes of "Changing a service safely" (README), each between a V1 and a V2 build of one
/// contracts assembly running in separate processes, in both directions.
/// </summary>
[Collection(RollingUpdateCollection.Name)]
public sealed class CompatibleChangeTests(RollingUpdateFixture fixture)
{
    [Fact]
    public void AddMethod_BothDirections_ExistingMethodWorks()
    {
        Assert.Equal("v1:a", Ok(fixture.NewCallerOldServer, "added-method.echo"));
        Assert.Equal("v2:a", Ok(fixture.OldCallerNewServer, "added-method.echo"));
    }

    [Fact]
    public void AddMethod_NewCallerOldServer_NewMethodFailsNamingBothVersions()
    {
        var outcome = Error(fixture.NewCallerOldServer, "added-method.length", typeof(UnknownMethodException));
        Assert.Contains("'RollingUpdate.IAddedMethod'", outcome, StringComparison.Ordinal);
        Assert.Contains("calls Length(System.String)", outcome, StringComparison.Ordinal);
        Assert.Contains("offers: Echo(System.String).", outcome, StringComparison.Ordinal);
    }

    [Fact]
    public void AddOptionalParameter_OldCallerNewServer_ServerUsesDefault()
        => Assert.Equal("v2:2 x pen, note none", Ok(fixture.OldCallerNewServer, "optional-parameter.place"));

    [Fact]
    public void AddOptionalParameter_NewCallerOldServer_ServerIgnoresExtraArgument()
    {
        Assert.Equal("v1:2 x pen", Ok(fixture.NewCallerOldServer, "optional-parameter.place"));
        Assert.Equal("v1:2 x pen", Ok(fixture.NewCallerOldServer, "optional-parameter.place-default"));
    }

    [Fact]
    public void AddRecordField_OldCallerNewServer_FieldDefaultsAndExtraFieldIgnored()
        => Assert.Equal("v2:pen|2", Ok(fixture.OldCallerNewServer, "record-field.echo"));

    [Fact]
    public void AddRecordField_NewCallerOldServer_KnownFieldsRoundTrip()
        => Assert.Equal("v1:pen|2|(null)", Ok(fixture.NewCallerOldServer, "record-field.echo"));

    [Fact]
    public void RenameParameter_BothDirections_Works()
    {
        Assert.Equal("42", Ok(fixture.NewCallerOldServer, "renamed-parameter.double"));
        Assert.Equal("42", Ok(fixture.OldCallerNewServer, "renamed-parameter.double"));
    }

    [Fact]
    public void AddService_BothDirections_OtherServicesWork()
    {
        // The V2 node hosts one more service: the V1 caller's calls to the others are unaffected ...
        Assert.Equal("1", Ok(fixture.OldCallerNewServer, "removed-method.kept"));
        Assert.Equal("1", Ok(fixture.NewCallerOldServer, "removed-method.kept"));

        // ... and the V2 caller's call to the new service, which no V1 node hosts, fails typed.
        var outcome = Error(fixture.NewCallerOldServer, "added-service.hello", typeof(UnknownServiceException));
        Assert.Contains("'RollingUpdate.IAddedService'", outcome, StringComparison.Ordinal);
    }

    internal static string Ok(IReadOnlyDictionary<string, CaseOutcome> outcomes, string name)
    {
        Assert.True(outcomes.TryGetValue(name, out var outcome), $"case {name} did not run");
        Assert.True(outcome.Result is not null, $"case {name} failed: {outcome.ErrorType}: {outcome.ErrorMessage}");
        return outcome.Result;
    }

    internal static string Error(IReadOnlyDictionary<string, CaseOutcome> outcomes, string name, Type expected)
    {
        Assert.True(outcomes.TryGetValue(name, out var outcome), $"case {name} did not run");
        Assert.True(outcome.ErrorType is not null, $"case {name} returned {outcome.Result}");
        Assert.Equal(expected.FullName, outcome.ErrorType);
        return outcome.ErrorMessage!;
    }
}
