using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Mesh.Functional.Tests;

/// <summary>
/// The live view (<c>MapMeshDashboard</c>) in a real headless browser (Debian's <c>chromium</c>): served by the Shop
/// front-end of a running 3-node mesh, it shows every back-end, and its numbers change as calls flow.
/// </summary>
public sealed partial class DashboardBrowserTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly string Profile = Path.Combine(Path.GetTempPath(), "mesh-chromium-" + Environment.ProcessId);

    [Fact]
    public async Task Dashboard_ThreeBackEndsServingCalls_ShowsEveryNodeAndCountsChange()
    {
        var chromium = Chromium();
        var backends = new List<ShopProcess>();
        ShopProcess? frontend = null;
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                backends.Add(await ShopProcess.StartAsync($"backend-{i}", $"127.0.0.20{i}", Bound));
            }

            frontend = await ShopProcess.StartAsync(
                "frontend", "127.0.0.204", Bound, "--Shop:Role=frontend", "--Shop:Peers=127.0.0.201:7800,127.0.0.202:7800,127.0.0.203:7800");
            using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.204:8080"), Timeout = Bound };
            await CallAsync(http, 30);
            var page = new Uri(http.BaseAddress, "/mesh").ToString();

            var first = Rows(await RunAsync(chromium, "--virtual-time-budget=3000", "--dump-dom", page));
            Assert.Equal(["backend-1", "backend-2", "backend-3"], first.Keys.Order(StringComparer.Ordinal));
            await CallAsync(http, 60);
            var second = Rows(await RunAsync(chromium, "--virtual-time-budget=3000", "--dump-dom", page));

            Assert.Equal(first.Keys.Order(StringComparer.Ordinal), second.Keys.Order(StringComparer.Ordinal));
            Assert.True(second.Values.Sum() >= first.Values.Sum() + 60, $"answered before {first.Values.Sum()}, after {second.Values.Sum()}");

            // Kept as the test's artifact (next to the test assembly).
            var screenshot = Path.Combine(AppContext.BaseDirectory, "artifacts", "mesh-dashboard.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            File.Delete(screenshot);
            await RunAsync(chromium, "--virtual-time-budget=3000", "--window-size=1300,360", $"--screenshot={screenshot}", page);
            Assert.True(new FileInfo(screenshot).Length > 1000, $"no screenshot at {screenshot}");
        }
        finally
        {
            if (frontend is not null)
            {
                await frontend.DisposeAsync();
            }

            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }

            if (Directory.Exists(Profile))
            {
                Directory.Delete(Profile, recursive: true);
            }
        }
    }

    private static async Task CallAsync(HttpClient http, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            using var response = await http.GetAsync(new Uri("/api/stock/apple", UriKind.Relative));
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>The answered count of each peer row in the page's DOM.</summary>
    private static Dictionary<string, long> Rows(string dom)
    {
        var rows = RowPattern().Matches(dom).ToDictionary(m => m.Groups["peer"].Value, m => long.Parse(m.Groups["answered"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(rows.Count > 0, $"the page shows no peer: {dom}");
        return rows;
    }

    /// <summary>The browser: <c>MESH_CHROMIUM</c>, or Debian's <c>chromium</c> (<c>.ci/run</c> installs it).</summary>
    private static string Chromium()
    {
        var path = Environment.GetEnvironmentVariable("MESH_CHROMIUM") ?? "/usr/bin/chromium";
        Assert.True(File.Exists(path), $"{path} is missing: install Debian's chromium (apt-get install chromium) or set MESH_CHROMIUM");
        return path;
    }

    private static async Task<string> RunAsync(string chromium, params string[] arguments)
    {
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", $"--user-data-dir={Profile}" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"chromium did not finish within {Bound}: {await errors}");
        }

        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await errors}");
        return await output;
    }

    [GeneratedRegex("""<tr data-peer="(?<peer>[^"]+)">.*?<td class="answered">(?<answered>\d+)</td>""", RegexOptions.Singleline)]
    private static partial Regex RowPattern();
}
