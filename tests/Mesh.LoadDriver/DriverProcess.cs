using System.Diagnostics;

namespace Mesh.LoadDriver;

/// <summary>This driver started again as a server or client process (server GC, from the project), its output read.</summary>
internal static class DriverProcess
{
    public static Process Start(string arguments)
    {
        var path = Environment.ProcessPath!;
        var isHost = Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(path, isHost ? $"\"{typeof(DriverProcess).Assembly.Location}\" {arguments}" : arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
    }

    /// <summary>The first output line that <paramref name="match"/> accepts, or null when the output ends or <paramref name="bound"/> passes first.</summary>
    public static async Task<string?> ReadLineAsync(Process process, Func<string, bool> match, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }
}
