using Mesh.Load;

namespace Mesh.Balancing.Simulator;

/// <summary>A simulated server's CPU (its busy share) and thread-pool backlog (its queue), for its reports.</summary>
internal sealed class SimulatedProcessLoad(Func<int> cpuPercent, Func<int> queue) : IProcessLoadSource
{
    public int ThreadPoolQueueLength => queue();

    public int SampleCpuPercent() => cpuPercent();
}
