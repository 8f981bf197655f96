using System.Text.Json;

namespace Mesh.Functional.Tests;

public sealed class BalancingDriverTests
{
    [Fact]
    public async Task Run_FiveServersTwoClients_BothPoliciesServeEveryCallAndDefaultSparesTheSlowServer()
    {
        var (exitCode, output) = await NodeProcess.RunAsync(
            SampleAssembly.Path("tests", "Mesh.Balancing.Driver"),
            "run --seconds 2 --warmup 0.5 --concurrency 16 --json",
            TimeSpan.FromSeconds(150));

        Assert.True(exitCode == 0, output);
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        using var rows = JsonDocument.Parse(last);
        var all = rows.RootElement.EnumerateArray().ToList();
        Assert.Equal(4, all.Count);
        foreach (var row in all)
        {
            Assert.Equal(0, row.GetProperty("failed").GetInt32());
            var calls = row.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("calls").GetInt32()).ToList();
            Assert.Equal(5, calls.Count);
            Assert.All(calls, c => Assert.True(c > 0, last));
        }

        // With the fifth server 3× slower, round-robin still sends it a fifth of the calls; the default
        // sends it markedly less (its capacity share is 1/13).
        double SlowShare(string policy)
        {
            var row = all.Single(r => r.GetProperty("scenario").GetString() == "one-slow" && r.GetProperty("policy").GetString() == policy);
            var calls = row.GetProperty("servers").EnumerateArray().Select(s => (double)s.GetProperty("calls").GetInt32()).ToList();
            return calls[4] / calls.Sum();
        }

        Assert.True(SlowShare("LoadAware") < 0.75 * SlowShare("RoundRobin"), last);
    }
}
