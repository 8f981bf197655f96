using System.Diagnostics.CodeAnalysis;

namespace Mesh.Membership;

/// <summary>A peer address as configured: a host name or IP address and a port.</summary>
internal readonly record struct StaticEndpoint(string Host, int Port)
{
    public static bool TryParse(string? value, [NotNullWhen(true)] out StaticEndpoint? endpoint)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out var port) || port is <= 0 or > 65535)
        {
            return false;
        }

        var host = value[..colon].Trim('[', ']');
        if (host.Length == 0)
        {
            return false;
        }

        endpoint = new StaticEndpoint(host, port);
        return true;
    }

    public override string ToString() => $"{Host}:{Port}";
}
