namespace Mesh;

/// <summary>
/// The call was not executed: the peers it was sent to refused it before running it, because they ran as many
/// calls as they allow (<c>MeshOptions.MaxConcurrentCalls</c>) or were shutting down. Mesh already sent it to
/// other peers before giving up, so this means the service as a whole is saturated. Retrying later is safe, also
/// for methods that are not <see cref="IdempotentAttribute">idempotent</see>.
/// </summary>
public sealed class CallRefusedException : MeshException
{
    /// <summary>Creates the exception.</summary>
    public CallRefusedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
