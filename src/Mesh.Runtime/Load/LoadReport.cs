namespace Mesh.Load;

/// <summary>
/// What a node says about its own load at one moment: calls executing and waiting, its concurrency limit,
/// process CPU, smoothed service time, the thread pool's backlog, and whether it is draining.
/// </summary>
/// <param name="Sequence">Increases by one per report the node takes (wraps at 2^16).</param>
/// <param name="TakenAtMs">Low 32 bits of the node's Unix time in ms when the report was taken.</param>
/// <param name="InFlight">Calls executing.</param>
/// <param name="Queued">Calls received and waiting to start.</param>
/// <param name="ServiceTimeMicros">Exponentially weighted moving average of the time a call takes to execute.</param>
/// <param name="IsDraining">The node takes no new calls.</param>
/// <param name="Fields">Which of the optional fields below were measured and sent.</param>
/// <param name="ConcurrencyLimit">Calls the node executes at once before refusing ("overloaded"); 0 when unlimited.</param>
/// <param name="CpuPercent">Process CPU as a share of the machine, in percent (0–100).</param>
/// <param name="ThreadPoolQueue">Work items waiting in the node's thread pool.</param>
internal readonly record struct LoadReport(
    ushort Sequence,
    uint TakenAtMs,
    int InFlight,
    int Queued,
    int ServiceTimeMicros,
    bool IsDraining,
    LoadReportFields Fields = LoadReportFields.None,
    int ConcurrencyLimit = 0,
    int CpuPercent = 0,
    int ThreadPoolQueue = 0)
{
    /// <summary>Calls the node holds: executing plus waiting.</summary>
    public int Load => InFlight + Queued;
}
