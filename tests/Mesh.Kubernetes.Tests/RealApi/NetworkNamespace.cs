using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Mesh.Kubernetes.Tests.RealApi;

/// <summary>
/// A network namespace the tests create (<c>ip netns add</c>) with loopback up and the given addresses on it,
/// deleted on dispose. Processes run inside it through <c>ip netns exec</c>; this process reaches into it with
/// sockets created on a short-lived thread that entered it (a network namespace is per thread on Linux, and a
/// socket stays in the namespace it was created in). Nothing sent to its addresses leaves it.
/// </summary>
internal sealed partial class NetworkNamespace : IAsyncDisposable
{
    private const int CloneNewNet = 0x40000000;

    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static async Task<NetworkNamespace> CreateAsync(IEnumerable<string> addresses)
    {
        var name = $"mesh-{Environment.ProcessId}-{Random.Shared.Next(100_000)}";
        await RunAsync("ip", "netns", "add", name);
        var created = new NetworkNamespace(name);
        try
        {
            await RunAsync("ip", "-n", name, "link", "set", "lo", "up");
            foreach (var address in addresses)
            {
                await RunAsync("ip", "-n", name, "addr", "add", address + "/32", "dev", "lo");
            }

            return created;
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }
    }

    /// <summary>The start info of <paramref name="path"/> run inside the namespace.</summary>
    public ProcessStartInfo StartInfo(string path, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "netns", "exec", Name, path }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>An HTTP connect callback whose sockets live in the namespace.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = CreateSocket();
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            socket.NoDelay = true;
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command inside the namespace to its end; throws when it fails.</summary>
    public Task ExecAsync(params string[] command) => RunAsync("ip", ["netns", "exec", Name, .. command]);

    public async ValueTask DisposeAsync() => await RunAsync("ip", "netns", "delete", Name);

    private Socket CreateSocket()
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{Name}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns into {Name} failed: errno {Marshal.GetLastPInvokeError()}");
                }

                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or SocketException or UnauthorizedAccessException)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException($"no socket in network namespace {Name}", error);
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}");
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
