namespace Mesh.Functional.Tests;

/// <summary>
/// Finds a sample's built entry assembly in the sample's own output folder, where its deps.json and
/// runtimeconfig.json describe exactly its dependencies (the test folder's copy may miss assemblies that the
/// test project gets from a shared framework the sample does not use).
/// </summary>
internal static class SampleAssembly
{
    /// <summary>The entry assembly of <c>samples/{project}</c>.</summary>
    public static string Path(string project) => Path("samples", project);

    /// <summary>The entry assembly of <c>{folder}/{project}</c>, built in the same configuration as the tests.</summary>
    public static string Path(string folder, string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var framework = testOutput.Name;                 // net10.0
        var configuration = testOutput.Parent!.Name;     // Debug / Release
        for (var directory = testOutput; directory is not null; directory = directory.Parent)
        {
            var candidate = System.IO.Path.Combine(directory.FullName, folder, project, "bin", configuration, framework, project + ".dll");
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Mesh.sln")))
            {
                Assert.True(File.Exists(candidate), $"{candidate} was not built (the test project references {folder}/{project})");
                return candidate;
            }
        }

        throw new InvalidOperationException($"Mesh.sln not found above {AppContext.BaseDirectory}");
    }
}
