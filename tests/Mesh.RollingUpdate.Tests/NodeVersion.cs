namespace Mesh.RollingUpdate.Tests;

/// <summary>Finds a built version of the rolling-update node in its own output folder.</summary>
internal static class NodeVersion
{
    /// <summary>The entry assembly of <c>tests/Mesh.RollingUpdate.{version}</c>, built in the tests' configuration.</summary>
    public static string Path(string version)
    {
        var project = "Mesh.RollingUpdate." + version;
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        for (var directory = testOutput; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Mesh.sln")))
            {
                var candidate = System.IO.Path.Combine(directory.FullName, "tests", project, "bin", configuration, framework, project + ".dll");
                Assert.True(File.Exists(candidate), $"{candidate} was not built (the test project references tests/{project})");
                return candidate;
            }
        }

        throw new InvalidOperationException($"Mesh.sln not found above {AppContext.BaseDirectory}");
    }
}
