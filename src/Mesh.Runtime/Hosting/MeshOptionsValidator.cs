using System.Net;
using Mesh.Balancing;
using Mesh.Membership;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>Fails start-up with a message naming the option when <see cref="MeshOptions"/> is invalid.</summary>
internal sealed class MeshOptionsValidator(MeshServiceRegistrations registrations) : IValidateOptions<MeshOptions>
{
    public ValidateOptionsResult Validate(string? name, MeshOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.MeshName))
        {
            errors.Add("MeshOptions.MeshName must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.NodeId))
        {
            errors.Add("MeshOptions.NodeId must not be empty.");
        }

        if (options.ListenEndpoint is { } listen && !IPEndPoint.TryParse(listen, out _))
        {
            errors.Add($"MeshOptions.ListenEndpoint '{listen}' is not an 'address:port' (e.g. '0.0.0.0:7800').");
        }
        else if (options.ListenEndpoint is null && registrations.HostedCount > 0)
        {
            errors.Add("MeshOptions.ListenEndpoint must be set on a node that hosts services (e.g. '0.0.0.0:7800').");
        }

        foreach (var peer in options.StaticPeers)
        {
            if (!StaticEndpoint.TryParse(peer, out _))
            {
                errors.Add($"MeshOptions.StaticPeers entry '{peer}' is not a 'host:port'.");
            }
        }

        if (options.StreamCreditItems < 1)
        {
            errors.Add("MeshOptions.StreamCreditItems must be at least 1.");
        }

        if (options.StreamCreditBytes < 1)
        {
            errors.Add("MeshOptions.StreamCreditBytes must be at least 1.");
        }

        Positive(options.DefaultDeadline, nameof(options.DefaultDeadline), errors);
        Positive(options.ConnectTimeout, nameof(options.ConnectTimeout), errors);
        Positive(options.HandshakeTimeout, nameof(options.HandshakeTimeout), errors);
        Positive(options.ReconnectMinBackoff, nameof(options.ReconnectMinBackoff), errors);
        Positive(options.ReconnectMaxBackoff, nameof(options.ReconnectMaxBackoff), errors);
        if (options.ReconnectMaxBackoff < options.ReconnectMinBackoff)
        {
            errors.Add("MeshOptions.ReconnectMaxBackoff must not be less than MeshOptions.ReconnectMinBackoff.");
        }

        if (options.ShutdownGracePeriod < TimeSpan.Zero)
        {
            errors.Add("MeshOptions.ShutdownGracePeriod must not be negative.");
        }

        if (options.DefaultDeadline.TotalMilliseconds > uint.MaxValue)
        {
            errors.Add("MeshOptions.DefaultDeadline is too large (at most 49 days).");
        }

        if (options.MaxFrameSize is < 4096 or > 256 * 1024 * 1024)
        {
            errors.Add($"MeshOptions.MaxFrameSize must be between 4096 and {256 * 1024 * 1024} bytes; it is {options.MaxFrameSize}.");
        }

        if (options.ConnectionsPerPeer is < 1 or > 64)
        {
            errors.Add($"MeshOptions.ConnectionsPerPeer must be between 1 and 64; it is {options.ConnectionsPerPeer}.");
        }

        if (options.ApertureThreshold < 1)
        {
            errors.Add($"MeshOptions.ApertureThreshold must be at least 1 (int.MaxValue turns the aperture off); it is {options.ApertureThreshold}.");
        }

        if (options.ApertureMinPeers < 1 || options.ApertureMinPeers > Math.Max(1, options.ApertureThreshold))
        {
            errors.Add($"MeshOptions.ApertureMinPeers must be between 1 and MeshOptions.ApertureThreshold ({options.ApertureThreshold}); it is {options.ApertureMinPeers}.");
        }

        if (options.MaxLinkAttemptsInProgress is < 1 or > 1024)
        {
            errors.Add($"MeshOptions.MaxLinkAttemptsInProgress must be between 1 and 1024; it is {options.MaxLinkAttemptsInProgress}.");
        }

        if (!Enum.IsDefined(options.LocalCalls))
        {
            errors.Add($"MeshOptions.LocalCalls must be one of {string.Join(", ", Enum.GetNames<LocalCallMode>())}; it is {(int)options.LocalCalls}.");
        }

        if (options.MaxCallsInFlightPerLink is < 1 or > 1_000_000)
        {
            errors.Add($"MeshOptions.MaxCallsInFlightPerLink must be between 1 and 1000000; it is {options.MaxCallsInFlightPerLink}.");
        }

        if (options.MaxConcurrentCalls is < 1 or > 1_000_000)
        {
            errors.Add($"MeshOptions.MaxConcurrentCalls must be between 1 and 1000000; it is {options.MaxConcurrentCalls}.");
        }

        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(10) || options.HeartbeatInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add($"MeshOptions.HeartbeatInterval must be between 10 ms and 10 minutes; it is {options.HeartbeatInterval}.");
        }

        if (options.MaxConcurrentCallsPerLink < 0 || options.MaxConcurrentCallsPerLink > options.MaxConcurrentCalls)
        {
            errors.Add($"MeshOptions.MaxConcurrentCallsPerLink must be between 0 (half of MaxConcurrentCalls) and MeshOptions.MaxConcurrentCalls ({options.MaxConcurrentCalls}); it is {options.MaxConcurrentCallsPerLink}.");
        }

        if (options.MaxDeadline <= TimeSpan.Zero || options.MaxDeadline.TotalMilliseconds > uint.MaxValue)
        {
            errors.Add($"MeshOptions.MaxDeadline must be positive and at most 49 days; it is {options.MaxDeadline}.");
        }

        if (options.MaxConnections < 1 || options.MaxConnectionsPerAddress < 1 || options.MaxPendingHandshakes < 1)
        {
            errors.Add($"MeshOptions.MaxConnections, MaxConnectionsPerAddress and MaxPendingHandshakes must be at least 1; they are {options.MaxConnections}, {options.MaxConnectionsPerAddress} and {options.MaxPendingHandshakes}.");
        }

        if (options.MaxHelloSize < 1024)
        {
            errors.Add($"MeshOptions.MaxHelloSize must be at least 1024 bytes (a larger value than MeshOptions.MaxFrameSize acts as MaxFrameSize); it is {options.MaxHelloSize}.");
        }

        if (options.MaxNodeSendQueueBytes < options.MaxSendQueueBytes || options.MaxNodeSendQueueBytes > 64L * 1024 * 1024 * 1024)
        {
            errors.Add($"MeshOptions.MaxNodeSendQueueBytes must be between MeshOptions.MaxSendQueueBytes ({options.MaxSendQueueBytes}) and 64 GiB; it is {options.MaxNodeSendQueueBytes}.");
        }

        if (options.MaxSendQueueBytes < options.MaxFrameSize || options.MaxSendQueueBytes > 1024 * 1024 * 1024)
        {
            errors.Add($"MeshOptions.MaxSendQueueBytes must be between MeshOptions.MaxFrameSize ({options.MaxFrameSize}) and 1 GiB; it is {options.MaxSendQueueBytes}.");
        }

        if (options.Tls.IsEnabled || options.Tls.PrivateKeyPath is not null || options.Tls.CertificateAuthorityPath is not null)
        {
            foreach (var (file, path) in new[] { ("CertificatePath", options.Tls.CertificatePath), ("PrivateKeyPath", options.Tls.PrivateKeyPath), ("CertificateAuthorityPath", options.Tls.CertificateAuthorityPath) })
            {
                if (path is null)
                {
                    errors.Add($"MeshOptions.Tls.{file} must be set when any of MeshOptions.Tls is (certificate, private key and CA bundle, PEM files).");
                }
                else if (!File.Exists(path))
                {
                    errors.Add($"MeshOptions.Tls.{file} '{path}' does not exist.");
                }
            }
        }
        else if (!options.AllowPlaintext)
        {
            errors.Add("MeshOptions.Tls is not configured and plaintext was not chosen: set MeshOptions.Tls.CertificatePath, PrivateKeyPath and CertificateAuthorityPath (mutual TLS, PEM files), or MeshOptions.AllowPlaintext = true (Mesh__AllowPlaintext=true) for links anyone on the network can use.");
        }

        if (options.MaxUnknownArgumentBytes < 0)
        {
            errors.Add($"MeshOptions.MaxUnknownArgumentBytes must not be negative; it is {options.MaxUnknownArgumentBytes}.");
        }

        if (options.FrameTimeout <= TimeSpan.Zero)
        {
            errors.Add($"MeshOptions.FrameTimeout must be positive; it is {options.FrameTimeout}.");
        }

        if (options.HeartbeatTimeout <= options.HeartbeatInterval)
        {
            errors.Add($"MeshOptions.HeartbeatTimeout ({options.HeartbeatTimeout}) must be longer than MeshOptions.HeartbeatInterval ({options.HeartbeatInterval}).");
        }

        BalancingOptionsValidator.Validate(options, errors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(TimeSpan value, string name, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"MeshOptions.{name} must be positive; it is {value}.");
        }
    }
}
