namespace Mesh;

/// <summary>The call did not complete within its deadline; the remote handler was asked to stop.</summary>
public sealed class DeadlineExceededException : MeshException
{
    /// <summary>Creates the exception.</summary>
    public DeadlineExceededException(string method, TimeSpan deadline)
        : base($"The call to {method} did not complete within its deadline of {deadline.TotalMilliseconds:0} ms.")
    {
        Method = method;
        Deadline = deadline;
    }

    /// <summary>The method that was called.</summary>
    public string Method { get; }

    /// <summary>The deadline the call had.</summary>
    public TimeSpan Deadline { get; }
}
