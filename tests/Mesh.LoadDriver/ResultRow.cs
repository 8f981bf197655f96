using System.Text.Json.Serialization;

namespace Mesh.LoadDriver;

/// <summary>One measured row: a peer at one concurrency.</summary>
internal sealed record ResultRow(
    [property: JsonPropertyName("peer")] string Peer,
    [property: JsonPropertyName("concurrency")] int Concurrency,
    [property: JsonPropertyName("callsPerSec")] double CallsPerSec,
    [property: JsonPropertyName("p50Us")] double P50Us,
    [property: JsonPropertyName("p99Us")] double P99Us,
    [property: JsonPropertyName("p999Us")] double P999Us,
    [property: JsonPropertyName("cpuUsPerCall")] double CpuUsPerCall,
    [property: JsonPropertyName("clientCpuUsPerCall")] double ClientCpuUsPerCall,
    [property: JsonPropertyName("serverCpuUsPerCall")] double ServerCpuUsPerCall,
    [property: JsonPropertyName("calls")] long Calls,
    [property: JsonPropertyName("errors")] long Errors);

[JsonSerializable(typeof(ResultRow))]
[JsonSerializable(typeof(List<ResultRow>))]
internal sealed partial class ResultJson : JsonSerializerContext;
