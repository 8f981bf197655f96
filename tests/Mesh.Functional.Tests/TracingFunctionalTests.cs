using System.Diagnostics;
using Mesh.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using Shop;

namespace Mesh.Functional.Tests;

/// <summary>
/// A call from this process to a back-end in another process is one distributed trace: the back-end's server span
/// (written by its console exporter) has this process's client span (in an in-memory exporter) as its parent.
/// </summary>
public sealed class TracingFunctionalTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Stock_CallToAnotherProcess_ServerSpanIsChildOfClientSpan()
    {
        await using var backend = await ShopProcess.StartAsync("trace-backend", "127.0.0.211", Bound, "--Shop:Telemetry=console");
        var exported = new List<Activity>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddMeshInstrumentation().AddInMemoryExporter(exported));
        builder.Services
            .AddMesh(mesh =>
            {
                mesh.NodeId = "trace-client";
                mesh.AllowPlaintext = true;
            })
            .UseStaticPeers("127.0.0.211:7800")
            .AddClient<IInventory>();
        using var client = builder.Build();
        await client.StartAsync();
        try
        {
            await client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync("shop.inventory", 1, CancellationToken.None).WaitAsync(Bound);
            var stock = await client.Services.GetRequiredService<IInventory>().Stock("apple").AsTask().WaitAsync(Bound);
            Assert.Equal("apple", stock.Sku);
        }
        finally
        {
            await client.StopAsync();
        }

        // Stopping the host flushes the exporter: the one client span of the call.
        var span = Assert.Single(exported, a => a.Kind == ActivityKind.Client);
        Assert.Equal("shop.inventory/Stock", span.DisplayName);
        Assert.Equal("mesh", span.GetTagItem("rpc.system"));
        Assert.Equal("trace-backend", span.GetTagItem("server.address"));

        // The back-end prints its server span as it ends; wait for the one that continues this trace.
        var traceId = span.TraceId.ToHexString();
        var spanId = span.SpanId.ToHexString();
        var deadline = Stopwatch.StartNew();
        ConsoleSpan? server = null;
        while (server is null)
        {
            server = ConsoleSpan.Parse(backend.Lines).FirstOrDefault(s => s.TraceId == traceId);
            if (server is null)
            {
                Assert.True(deadline.Elapsed < Bound, $"the back-end printed no span of trace {traceId}: {backend.Output}");
                await backend.WaitForLineAsync(Bound);
            }
        }

        Assert.Equal(spanId, server.ParentSpanId);
        Assert.Equal("Server", server.Kind);
        Assert.Equal("shop.inventory/Stock", server.DisplayName);
    }

    /// <summary>A span as OpenTelemetry's console exporter prints it (the lines the test needs).</summary>
    private sealed record ConsoleSpan(string TraceId, string? ParentSpanId, string? Kind, string? DisplayName)
    {
        public static IEnumerable<ConsoleSpan> Parse(IReadOnlyList<string> lines)
        {
            string? traceId = null, parent = null, kind = null, name = null;
            foreach (var raw in lines)
            {
                var line = raw.Trim();
                if (Value(line, "Activity.TraceId:") is { } id)
                {
                    if (traceId is not null)
                    {
                        yield return new ConsoleSpan(traceId, parent, kind, name);
                    }

                    (traceId, parent, kind, name) = (id, null, null, null);
                }
                else if (Value(line, "Activity.ParentSpanId:") is { } p)
                {
                    parent = p;
                }
                else if (Value(line, "Activity.Kind:") is { } k)
                {
                    kind = k;
                }
                else if (Value(line, "Activity.DisplayName:") is { } n)
                {
                    name = n;
                }
            }

            if (traceId is not null)
            {
                yield return new ConsoleSpan(traceId, parent, kind, name);
            }
        }

        private static string? Value(string line, string key)
            => line.StartsWith(key, StringComparison.Ordinal) ? line[key.Length..].Trim() : null;
    }
}
