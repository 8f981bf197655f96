using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Balancing.Driver;

/// <summary>
/// <c>server</c>: hosts <see cref="IWork"/> on 127.0.0.1 (or <c>--listen host:port</c>), prints <c>LISTENING host:port</c>, and stops
/// (draining) when its standard input closes or reads <c>stop</c>. With <c>--nodes K</c> it hosts K nodes (ids
/// <c>ID-1</c> … <c>ID-K</c>, each on its own port), one <c>LISTENING</c> line each.
/// </summary>
internal static class ServerMode
{
    public static async Task<int> RunAsync(Args args)
    {
        var nodeId = args.String("--node-id", "server");
        var listen = args.String("--listen", "127.0.0.1:0");
        var settings = new WorkSettings(args.Int("--capacity", 4), TimeSpan.FromMilliseconds(args.Double("--cost-ms", 8) * args.Double("--factor", 1)));
        var nodes = args.Int("--nodes", 1);
        args.EnsureAllUsed();
        var hosts = new List<IHost>();
        for (var i = 1; i <= nodes; i++)
        {
            var host = Build(nodes == 1 ? nodeId : $"{nodeId}-{i}", listen, settings);
            await host.StartAsync().ConfigureAwait(false);
            hosts.Add(host);
            Console.WriteLine($"LISTENING {host.Services.GetRequiredService<IMeshNode>().ListenEndPoint}");
        }

        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line && line.Trim() != "stop")
        {
        }

        await Task.WhenAll(hosts.Select(h => h.StopAsync())).ConfigureAwait(false);
        hosts.ForEach(h => h.Dispose());
        return 0;
    }

    private static IHost Build(string nodeId, string listen, WorkSettings settings)
    {
        // No configuration files (and so no file watchers: many nodes in one process would run out of inotify instances).
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging(logging => logging.AddConsole().SetMinimumLevel(LogLevel.Warning));
        builder.Services.AddSingleton(settings);
        builder.Services.AddMesh(mesh =>
            {
                mesh.NodeId = nodeId;
                mesh.AllowPlaintext = true;
                mesh.ListenEndpoint = listen;
                mesh.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
            })
            .AddService<IWork, WorkService>();
        return builder.Build();
    }
}
