using System.Globalization;

namespace Mesh.Balancing.Simulator.Keyed;

/// <summary>
/// How many of 100,000 keys change owner on the runtime's <see cref="KeyRing"/> when one of N nodes joins or leaves,
/// and whether any key moved anywhere but to the joiner (or away from the leaver).
/// </summary>
internal static class KeyMovement
{
    public const int Keys = 100_000;

    public static IEnumerable<string> Table(IEnumerable<int> sizes)
    {
        yield return "| nodes N | join: keys moved (ideal 1/(N+1)) | moved elsewhere than to the joiner | leave: keys moved (ideal 1/N) | moved elsewhere than from the leaver |";
        yield return "| --- | --- | --- | --- | --- |";
        foreach (var n in sizes)
        {
            var join = Join(n);
            var leave = Leave(n);
            yield return string.Create(
                CultureInfo.InvariantCulture,
                $"| {n} | {join.Moved:N0} = {join.Moved / (double)Keys:P2} (ideal {1.0 / (n + 1):P2}) | {join.Stray} | {leave.Moved:N0} = {leave.Moved / (double)Keys:P2} (ideal {1.0 / n:P2}) | {leave.Stray} |");
        }
    }

    /// <summary>Keys that change owner when node N+1 joins N nodes, and how many of them go anywhere but to it.</summary>
    public static (int Moved, int Stray) Join(int n)
    {
        var names = Names(n);
        var before = KeyRing.Build(names);
        var after = KeyRing.Build([.. names, "node-joining"]);
        var moved = 0;
        var stray = 0;
        for (var i = 0; i < Keys; i++)
        {
            var key = MeshKey.Hash($"key-{i}");
            var owner = after.Owner(key);
            if (owner != before.Owner(key))
            {
                moved++;
                stray += owner == n ? 0 : 1;
            }
        }

        return (moved, stray);
    }

    /// <summary>Keys that change owner when the middle one of N nodes leaves, and how many of them were not its keys.</summary>
    public static (int Moved, int Stray) Leave(int n)
    {
        var names = Names(n);
        var leaving = n / 2;
        var remaining = names.Where((_, i) => i != leaving).ToArray();
        var before = KeyRing.Build(names);
        var after = KeyRing.Build(remaining);
        var moved = 0;
        var stray = 0;
        for (var i = 0; i < Keys; i++)
        {
            var key = MeshKey.Hash($"key-{i}");
            var was = names[before.Owner(key)];
            if (was != remaining[after.Owner(key)])
            {
                moved++;
                stray += was == names[leaving] ? 0 : 1;
            }
        }

        return (moved, stray);
    }

    private static string[] Names(int n) => [.. Enumerable.Range(1, n).Select(i => $"node-{i}")];
}
