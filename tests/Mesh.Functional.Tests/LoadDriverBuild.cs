namespace Mesh.Functional.Tests;

/// <summary>Where the load driver was built: beside this project, same configuration.</summary>
internal static class LoadDriverBuild
{
    public static string Path
    {
        get
        {
            // .../tests/Mesh.Functional.Tests/bin/<Configuration>/<tfm>/
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
            var tfm = output.Name;
            var configuration = output.Parent!.Name;
            var tests = output.Parent.Parent!.Parent!.Parent!.FullName;
            return System.IO.Path.Combine(tests, "Mesh.LoadDriver", "bin", configuration, tfm, "Mesh.LoadDriver.dll");
        }
    }
}
