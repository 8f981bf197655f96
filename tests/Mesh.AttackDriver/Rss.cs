using System.Globalization;

namespace Mesh.AttackDriver;

/// <summary>A process's resident memory, from <c>/proc/PID/status</c>.</summary>
internal static class Rss
{
    /// <summary>Resident bytes now (VmRSS); 0 once the process is gone.</summary>
    public static long Of(int pid) => Read(pid, "VmRSS:");

    /// <summary>The most resident bytes the process ever had (VmHWM).</summary>
    public static long PeakOf(int pid) => Read(pid, "VmHWM:");

    private static long Read(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
