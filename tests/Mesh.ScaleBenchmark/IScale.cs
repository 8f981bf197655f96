namespace Mesh.ScaleBenchmark;

/// <summary>The benchmark's service: every node hosts it; a call is an echo, so the figures are the mesh's own cost.</summary>
[BalancedService]
public interface IScale
{
    /// <summary>Returns <paramref name="value"/>.</summary>
    ValueTask<int> Echo(int value);
}

/// <summary>Answers at once.</summary>
internal sealed class ScaleService : IScale
{
    public ValueTask<int> Echo(int value) => ValueTask.FromResult(value);
}
