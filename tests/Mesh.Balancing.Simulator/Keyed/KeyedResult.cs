using System.Globalization;

namespace Mesh.Balancing.Simulator.Keyed;

/// <summary>What one keyed run measured after the warm-up.</summary>
/// <param name="Workload">The workload's name.</param>
/// <param name="Policy">The policy's name.</param>
/// <param name="Calls">Calls measured.</param>
/// <param name="OwnerHitRate">Share of the calls that ran on their key's owner (its node on the ring of all nodes).</param>
/// <param name="WarmHitRate">Share of the calls that found their key's state on the node that ran them.</param>
/// <param name="CallsMaxOverMean">Calls run by the busiest node over the mean per node.</param>
/// <param name="LoadMaxOverMean">Time-averaged calls held (running + queued) by the busiest node over the mean per node.</param>
/// <param name="P50Ms">Median latency, as the caller saw it.</param>
/// <param name="P99Ms">99th percentile latency.</param>
internal sealed record KeyedResult(
    string Workload,
    string Policy,
    int Calls,
    double OwnerHitRate,
    double WarmHitRate,
    double CallsMaxOverMean,
    double LoadMaxOverMean,
    double P50Ms,
    double P99Ms)
{
    public static string Header()
        => "| workload | policy | calls | hit rate on the owner | warm-state hits | calls max/mean | load max/mean | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |";

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"| {Workload} | {Policy} | {Calls:N0} | {OwnerHitRate:P1} | {WarmHitRate:P1} | {CallsMaxOverMean:0.00} | {LoadMaxOverMean:0.00} | {P50Ms:0.0} | {P99Ms:0.0} |");
}
