using System.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.AttackDriver;

/// <summary>
/// The attacked node, in its own process: hosts <see cref="IBulk"/> with the default limits (frame timeout shortened to
/// 2 s so slow frames are cut within the run), prints <c>listening ENDPOINT</c>, and answers each <c>gc</c> line on
/// standard input with <c>rss BYTES</c>, measured after a full, compacting collection.
/// </summary>
internal static class NodeMode
{
    public static async Task<int> RunAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Services.AddMesh(o =>
            {
                o.NodeId = "attacked";
                o.ListenEndpoint = "127.0.0.1:0";
                o.AllowPlaintext = true;
                o.FrameTimeout = TimeSpan.FromSeconds(2);
                if (Environment.GetEnvironmentVariable("MESH_ATTACKED_SEND_QUEUE_BYTES") is { } queue)
                {
                    o.MaxSendQueueBytes = int.Parse(queue, System.Globalization.CultureInfo.InvariantCulture);
                }
            })
            .AddService<IBulk, Bulk>();
        using var host = builder.Build();
        await host.StartAsync();
        Console.WriteLine($"listening {host.Services.GetRequiredService<IMeshNode>().ListenEndPoint}");
        while (Console.ReadLine() is { } line)
        {
            if (line == "gc")
            {
                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                Console.WriteLine($"rss {Rss.Of(Environment.ProcessId)}");
            }
        }

        await host.StopAsync();
        return 0;
    }
}
