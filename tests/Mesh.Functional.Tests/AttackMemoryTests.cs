using System.Globalization;
using System.Text.RegularExpressions;

namespace Mesh.Functional.Tests;

/// <summary>
/// A node in its own process under attack (tests/Mesh.AttackDriver): callers that never read 1 MB answers, slow frames,
/// oversize and held hellos, while a legitimate caller keeps calling. Run as a Pod with a 256 MiB memory limit would
/// run it (GC heap within 75% of it) with <c>MaxSendQueueBytes</c> at 4 MiB: the node is never killed, its resident
/// memory stays under the limit, the legitimate calls all succeed, and after the attack (and a full collection) it is
/// back near where it started.
/// </summary>
public sealed partial class AttackMemoryTests
{
    [Fact]
    public async Task Node_AttackedAsAPodWithAMemoryLimit_SurvivesServesAndReturnsNearItsBaseline()
    {
        var (exitCode, output) = await NodeProcess.RunAsync(
            SampleAssembly.Path("tests", "Mesh.AttackDriver"),
            "--seconds 3 --memory-limit-mb 256 --send-queue-mb 4",
            TimeSpan.FromSeconds(150));

        Assert.True(exitCode == 0, output);
        var memory = Memory().Match(output);
        Assert.True(memory.Success, output);
        var (before, peak, after) = (Mb(memory, "before"), Mb(memory, "peak"), Mb(memory, "after"));
        Assert.True(peak < 256, output);
        Assert.True(after - before < 48, output);
        var calls = Calls().Match(output);
        Assert.True(calls.Success, output);
        Assert.True(int.Parse(calls.Groups["ok"].Value, CultureInfo.InvariantCulture) > 0, output);
        Assert.Equal("0", calls.Groups["failed"].Value);
    }

    private static double Mb(Match match, string group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"rss_mb before=(?<before>[\d.]+) peak=(?<peak>[\d.]+) after=(?<after>[\d.]+)")]
    private static partial Regex Memory();

    [GeneratedRegex(@"(?<ok>\d+) calls answered, (?<failed>\d+) failed")]
    private static partial Regex Calls();
}
