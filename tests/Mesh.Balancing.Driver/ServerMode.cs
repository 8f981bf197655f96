using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Balancing.Driver;

/// <summary>
/// <c>server</c>: hosts <see cref="IWork"/> on 127.0.0.1 (or <c>--listen host:port</c>), prints <c>LISTENING host:port</c>, and stops
/// (draining) when its standard input closes or reads <c>stop</c>.
/// </summary>
internal static class ServerMode
{
    public static async Task<int> RunAsync(Args args)
    {
        var nodeId = args.String("--node-id", "server");
        var listen = args.String("--listen", "127.0.0.1:0");
        var settings = new WorkSettings(args.Int("--capacity", 4), TimeSpan.FromMilliseconds(args.Double("--cost-ms", 8) * args.Double("--factor", 1)));
        args.EnsureAllUsed();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(settings);
        builder.Services.AddMesh(mesh =>
            {
                mesh.NodeId = nodeId;
                mesh.ListenEndpoint = listen;
                mesh.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
            })
            .AddService<IWork, WorkService>();
        using var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        Console.WriteLine($"LISTENING {host.Services.GetRequiredService<IMeshNode>().ListenEndPoint}");
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line && line.Trim() != "stop")
        {
        }

        await host.StopAsync().ConfigureAwait(false);
        return 0;
    }
}
