namespace Mesh.Load;

/// <summary>Process-wide load figures that a <see cref="NodeLoadMonitor"/> samples for its periodic report.</summary>
internal interface IProcessLoadSource
{
    /// <summary>Process CPU since the previous call, as a share of the whole machine in percent (0–100).</summary>
    int SampleCpuPercent();

    /// <summary>Work items waiting in the thread pool.</summary>
    int ThreadPoolQueueLength { get; }
}
