namespace Mesh.RollingUpdate.Tests;

/// <summary>
/// Runs both directions of a rolling update once, each node in its own process: a V1 server called by a V2
/// caller, and a V2 server called by a V1 caller. The tests check the outcomes case by case.
/// </summary>
public sealed class RollingUpdateFixture : IAsyncLifetime
{
    /// <summary>How long any one process step may take before the test fails.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private IReadOnlyDictionary<string, CaseOutcome>? _newCallerOldServer;
    private IReadOnlyDictionary<string, CaseOutcome>? _oldCallerNewServer;

    internal IReadOnlyDictionary<string, CaseOutcome> NewCallerOldServer => _newCallerOldServer ?? throw new InvalidOperationException("Not run.");

    internal IReadOnlyDictionary<string, CaseOutcome> OldCallerNewServer => _oldCallerNewServer ?? throw new InvalidOperationException("Not run.");

    public async Task InitializeAsync()
    {
        Task<ServerProcess>[] starting = [ServerProcess.StartAsync("V1"), ServerProcess.StartAsync("V2")];
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var start in starting.Where(start => start.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync();
            }

            throw;
        }

        await using var oldServer = starting[0].Result;
        await using var newServer = starting[1].Result;
        var newCaller = CallerProcess.RunAsync("V2", oldServer.EndPoint);
        var oldCaller = CallerProcess.RunAsync("V1", newServer.EndPoint);
        _newCallerOldServer = await newCaller;
        _oldCallerNewServer = await oldCaller;
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>The tests that share one run of <see cref="RollingUpdateFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class RollingUpdateCollection : ICollectionFixture<RollingUpdateFixture>
{
    public const string Name = "Rolling update";
}
