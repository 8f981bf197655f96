using System.Diagnostics;

namespace Mesh.ScaleBenchmark;

/// <summary>
/// A network namespace of its own (<c>ip netns add</c>, loopback up), so the nodes' loopback traffic and sockets are
/// theirs alone; deleted on dispose. Needs root and <c>ip</c>.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static NetworkNamespace Create()
    {
        var ns = new NetworkNamespace($"mesh-scale-{Environment.ProcessId}");
        Ip($"netns add {ns.Name}");
        try
        {
            Ip($"netns exec {ns.Name} ip link set lo up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }

        return ns;
    }

    public void Dispose()
    {
        try
        {
            Ip($"netns del {Name}");
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"could not delete network namespace {Name}: {ex.Message}");
        }
    }

    private static void Ip(string arguments)
    {
        var start = new ProcessStartInfo("ip", arguments) { RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run 'ip {arguments}'");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'ip {arguments}' failed ({process.ExitCode}): {error.Trim()}");
        }
    }
}
