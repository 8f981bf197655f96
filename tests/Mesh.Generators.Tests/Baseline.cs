using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace Mesh.Generators.Tests;

/// <summary>
/// Compares generated sources with <c>Baselines/*.generated.txt</c>. With the environment variable
/// <c>MESH_UPDATE_BASELINES=1</c> it rewrites the baselines in the source tree instead.
/// </summary>
internal static class Baseline
{
    /// <summary>Stands for the generator's version, which <c>[GeneratedCode]</c> carries, in baselines.</summary>
    public const string VersionPlaceholder = "{GeneratorVersion}";

    private static bool UpdateRequested => Environment.GetEnvironmentVariable("MESH_UPDATE_BASELINES") == "1";

    /// <summary>Checks that <paramref name="sources"/> are exactly the baselines named <c>{scenario}.*</c>.</summary>
    public static void Verify(string scenario, IEnumerable<GeneratedSourceResult> sources)
    {
        var actual = sources.ToDictionary(
            source => $"{scenario}.{source.HintName[..^".g.cs".Length]}.generated.txt",
            source => Normalize(source.SourceText.ToString()),
            StringComparer.Ordinal);

        if (UpdateRequested)
        {
            Update(scenario, actual);
            return;
        }

        var directory = Path.Combine(AppContext.BaseDirectory, "Baselines");
        var expectedNames = Directory.Exists(directory)
            ? Directory.GetFiles(directory, $"{scenario}.*.generated.txt").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal).ToList()
            : [];
        Assert.Equal(expectedNames, actual.Keys.Order(StringComparer.Ordinal).ToList());
        foreach (var (name, text) in actual)
        {
            var expected = File.ReadAllText(Path.Combine(directory, name));
            Assert.True(
                string.Equals(expected, text, StringComparison.Ordinal),
                $"{name} differs from its baseline; run the tests with MESH_UPDATE_BASELINES=1 to update it.\n{text}");
        }
    }

    /// <summary>Replaces the generator's version so that a version bump does not change every baseline.</summary>
    private static string Normalize(string source)
        => source.Replace($"\"{GeneratorInfo.Name}\", \"{GeneratorInfo.Version}\"", $"\"{GeneratorInfo.Name}\", \"{VersionPlaceholder}\"", StringComparison.Ordinal);

    private static void Update(string scenario, Dictionary<string, string> actual, [CallerFilePath] string callerPath = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Baselines");
        Directory.CreateDirectory(directory);
        foreach (var stale in Directory.GetFiles(directory, $"{scenario}.*.generated.txt"))
        {
            File.Delete(stale);
        }

        foreach (var (name, text) in actual)
        {
            File.WriteAllText(Path.Combine(directory, name), text);
        }
    }
}
