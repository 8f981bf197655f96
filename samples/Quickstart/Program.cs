using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Mesh;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quickstart;

// A local mesh on 127.0.0.1: N server nodes host IGreeter, one client node links to all of them and
// calls IGreeter concurrently through the generated client; every call is balanced on its own.
QuickstartOptions options;
try
{
    options = QuickstartOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(QuickstartOptions.Usage);
    return 2;
}

// Mutual TLS on every link, from a certificate authority made for this run (--plaintext turns it off).
using var certificates = options.Plaintext ? null : new EphemeralCertificates();
var servers = new List<(string NodeId, IHost Host, ServedCounter Served)>();
for (var i = 1; i <= options.Nodes; i++)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddSingleton<ServedCounter>();
    builder.Services
        .AddMesh(mesh =>
        {
            mesh.NodeId = $"node-{i}";
            mesh.ListenEndpoint = "127.0.0.1:0";
            certificates?.Configure(mesh, mesh.NodeId);
            mesh.AllowPlaintext = certificates is null;
        })
        .AddService<IGreeter, Greeter>();
    var host = builder.Build();
    await host.StartAsync();
    servers.Add(($"node-{i}", host, host.Services.GetRequiredService<ServedCounter>()));
}

var clientBuilder = Host.CreateApplicationBuilder();
clientBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
clientBuilder.Services
    .AddMesh(mesh =>
    {
        mesh.NodeId = "client";
        certificates?.Configure(mesh, mesh.NodeId);
        mesh.AllowPlaintext = certificates is null;
    })
    .UseStaticPeers(servers.Select(s => s.Host.Services.GetRequiredService<IMeshNode>().ListenEndPoint!.ToString()))
    .AddClient<IGreeter>();
using var client = clientBuilder.Build();
await client.StartAsync();
var clientNode = client.Services.GetRequiredService<IMeshNode>();
using (var linkTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
{
    await clientNode.WaitForPeersAsync(Mesh.Invocation.MeshServiceRegistry.Get<IGreeter>().Name, options.Nodes, linkTimeout.Token);
}

Console.WriteLine($"Mesh quickstart: {options.Nodes} nodes on 127.0.0.1 ({string.Join(", ", clientNode.Peers.Select(p => $"{p.NodeId}@{p.EndPoint}"))})");
Console.WriteLine(certificates is null
    ? "Links are plaintext (--plaintext)."
    : $"Links use mutual TLS; peers proved: {string.Join(", ", clientNode.GetPeerStatistics().OrderBy(p => p.NodeId, StringComparer.Ordinal).Select(p => $"{p.NodeId} = {p.Identity}"))}");
Console.WriteLine($"Calling IGreeter.Greet {options.Calls} times, {options.Concurrency} at a time, over one persistent link per node...");

var greeter = client.Services.GetRequiredService<IGreeter>();
var latencies = new long[options.Calls];
var next = -1;
var completed = 0;
var failed = 0;
var stopIssuing = Stopwatch.StartNew();
var wall = Stopwatch.StartNew();

async Task Worker()
{
    while (stopIssuing.Elapsed < options.MaxDuration)
    {
        var index = Interlocked.Increment(ref next);
        if (index >= options.Calls)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await greeter.Greet($"caller-{index}");
            latencies[index] = Stopwatch.GetTimestamp() - started;
            Interlocked.Increment(ref completed);
        }
        catch (MeshException ex)
        {
            latencies[index] = -1;
            if (Interlocked.Increment(ref failed) <= 3)
            {
                Console.Error.WriteLine($"call {index} failed: {ex.Message}");
            }
        }
    }
}

var workers = Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(Worker)).ToArray();
var all = Task.WhenAll(workers);
while (await Task.WhenAny(all, Task.Delay(500)) != all)
{
    // The live view: what the client's balancer sees of each node (share of answers, calls in flight, latency).
    var peers = clientNode.GetPeerStatistics();
    var answered = Math.Max(1, peers.Sum(p => p.Answered));
    Console.WriteLine($"  {wall.Elapsed.TotalSeconds,5:0.0}s  {Volatile.Read(ref completed),8} calls  " +
        string.Join("  ", peers.OrderBy(p => p.NodeId, StringComparer.Ordinal).Select(p =>
            $"{p.NodeId} {(double)p.Answered / answered,4:P0} {p.Outstanding,3} in flight {p.LatencyMs ?? 0,6:0.00} ms")));
}

await all;
wall.Stop();

var made = Math.Min(options.Calls, Volatile.Read(ref next) + 1);
var okLatencies = latencies.Take(made).Where(t => t > 0).Order().ToArray();
double Percentile(double p) => okLatencies.Length == 0
    ? 0
    : okLatencies[Math.Min(okLatencies.Length - 1, (int)Math.Ceiling(p * okLatencies.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
var p50 = Percentile(0.50);
var p99 = Percentile(0.99);
var total = servers.Sum(s => s.Served.Count);

Console.WriteLine();
Console.WriteLine("Calls served per node:");
foreach (var (nodeId, _, served) in servers)
{
    var share = total == 0 ? 0 : (double)served.Count / total;
    Console.WriteLine($"  {nodeId,-8} {new string('#', (int)Math.Round(share * 60)),-60} {served.Count,8} ({share:P1})");
}

Console.WriteLine();
Console.WriteLine($"{completed} calls ok, {failed} failed in {wall.Elapsed.TotalSeconds:0.00}s " +
    $"({completed / wall.Elapsed.TotalSeconds:0} calls/s); latency p50 {p50:0.000} ms, p99 {p99:0.000} ms");

await client.StopAsync();
foreach (var (_, host, _) in servers)
{
    await host.StopAsync();
    host.Dispose();
}

if (options.Json)
{
    using var buffer = new MemoryStream();
    using (var json = new Utf8JsonWriter(buffer))
    {
        json.WriteStartObject();
        json.WriteStartArray("nodes");
        foreach (var (nodeId, _, served) in servers)
        {
            json.WriteStartObject();
            json.WriteString("node", nodeId);
            json.WriteNumber("calls", served.Count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("calls", completed);
        json.WriteNumber("failed", failed);
        json.WriteNumber("p50Ms", Math.Round(p50, 3));
        json.WriteNumber("p99Ms", Math.Round(p99, 3));
        json.WriteEndObject();
    }

    Console.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
}

return failed == 0 ? 0 : 1;
