namespace Mesh.AttackDriver;

/// <summary>The attacked node's service: answers as large as the caller asks.</summary>
[BalancedService]
public interface IBulk
{
    /// <summary>A string of <paramref name="length"/> characters.</summary>
    ValueTask<string> Text(int length);
}

internal sealed class Bulk : IBulk
{
    public ValueTask<string> Text(int length) => ValueTask.FromResult(new string('x', length));
}
