namespace Mesh.Calls;

/// <summary>What happened to a request handed to a link.</summary>
internal enum SendResult
{
    /// <summary>Queued for sending; the call is in flight.</summary>
    Sent,

    /// <summary>The link is closing or draining; the request was not sent.</summary>
    Closing,

    /// <summary>The link has as many calls in flight as it allows; the request was not sent.</summary>
    Full,
}
