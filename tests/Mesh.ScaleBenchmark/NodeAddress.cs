namespace Mesh.ScaleBenchmark;

/// <summary>Node <c>i</c> listens on its own loopback address (127.0.0.1 … 127.0.0.250, then 127.0.1.x), all on one port.</summary>
internal static class NodeAddress
{
    public const int Port = 7800;

    public static string Host(int index) => $"127.0.{index / 250}.{index % 250 + 1}";

    public static string Endpoint(int index) => $"{Host(index)}:{Port}";

    /// <summary>The caller's address: outside the range any node uses.</summary>
    public const string Caller = "127.0.9.1:7800";
}
