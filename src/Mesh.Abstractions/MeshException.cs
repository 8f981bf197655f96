namespace Mesh;

/// <summary>The base of every failure a Mesh call reports.</summary>
public class MeshException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public MeshException()
        : base("A Mesh call failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public MeshException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public MeshException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
