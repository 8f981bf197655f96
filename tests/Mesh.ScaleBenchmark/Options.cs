namespace Mesh.ScaleBenchmark;

/// <summary>The run's settings (see <see cref="Program"/> for the flags).</summary>
internal sealed record Options(
    int[] Sizes,
    int[] PeerSizes,
    int Processes,
    int InFlight,
    double LinkBoundSeconds,
    double SettleSeconds,
    double IdleSeconds,
    double WarmupSeconds,
    double CallSeconds,
    bool UseNamespace,
    bool Json);
