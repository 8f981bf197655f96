using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mesh.Calls;
using Mesh.Invocation;
using Mesh.Serialization;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.AttackDriver;

/// <summary>
/// Starts the node in a child process, measures its resident memory after a full collection (before), attacks it for
/// <c>--seconds</c> (default 8; <c>--memory-limit-mb N</c> runs the node as a Pod with that memory limit would) while a legitimate caller keeps calling, samples its memory every 20 ms (peak), ends
/// the attack (closes every attacking connection) and measures again after a full collection (after). The attacks, each
/// from its own loopback address: callers that ask for 1 MB answers and never read them; connections that trickle a
/// frame; hellos announcing 64 MiB; hellos of 60 KiB left one byte short.
/// </summary>
internal static class AttackMode
{
    private const int NonReaders = 4;
    private const int RequestsPerNonReader = 400;
    private const int AnswerSize = 1_000_000;
    private const int SlowFrames = 50;
    private const int OversizeHellos = 50;
    private const int HeldHellos = 50;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Option(args, "--seconds") ?? 8;
        var memoryLimitMb = Option(args, "--memory-limit-mb");
        var sendQueueMb = Option(args, "--send-queue-mb");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (memoryLimitMb is { } limit)
        {
            // What a Pod's memory limit does to .NET: the GC keeps its heap within 75% of the container's limit.
            start.Environment["DOTNET_GCHeapHardLimit"] = (limit * 1024L * 1024 * 3 / 4).ToString("x", CultureInfo.InvariantCulture);
        }

        start.ArgumentList.Add(typeof(AttackMode).Assembly.Location);
        start.ArgumentList.Add("node");
        if (sendQueueMb is { } queue)
        {
            start.Environment["MESH_ATTACKED_SEND_QUEUE_BYTES"] = (queue * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
        }

        using var node = Process.Start(start)!;
        try
        {
            var listening = await node.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the node exited before listening");
            var endPoint = IPEndPoint.Parse(listening["listening ".Length..]);
            var before = await GcRssAsync(node);

            using var caller = await StartCallerAsync(endPoint);
            var bulk = caller.Services.GetRequiredService<IBulk>();
            await bulk.Text(10);
            var serializer = caller.Services.GetRequiredService<IPayloadSerializer>();

            using var attackEnd = new CancellationTokenSource();
            var (ok, failed) = (0, 0);
            var legitimate = Task.Run(async () =>
            {
                while (!attackEnd.IsCancellationRequested)
                {
                    try
                    {
                        await bulk.Text(100);
                        ok++;
                    }
                    catch (MeshException)
                    {
                        failed++;
                    }
                }
            });
            var peak = 0L;
            var sampler = Task.Run(async () =>
            {
                while (!attackEnd.IsCancellationRequested)
                {
                    peak = Math.Max(peak, Rss.Of(node.Id));
                    await Task.Delay(20);
                }
            });

            var sockets = new List<Socket>();
            var nonReading = NonReadingAsync(endPoint, serializer, sockets);
            var slow = SlowFramesAsync(endPoint, sockets, attackEnd.Token);
            var oversize = OversizeHellosAsync(endPoint);
            var held = HeldHellosAsync(endPoint, sockets);
            await Task.WhenAll(nonReading, oversize, held);
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            await attackEnd.CancelAsync();
            var closedBySlowFrameTimeout = await slow;
            await Task.WhenAll(legitimate, sampler);
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            // The node notices the closed connections and drops what they held; measure after it had the chance.
            await Task.Delay(1000);
            _ = await GcRssAsync(node);
            var after = await GcRssAsync(node);
            var highWater = Rss.PeakOf(node.Id);
            var oversizeRefused = await oversize;

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"attack: {NonReaders} non-reading callers x {RequestsPerNonReader} requests for {AnswerSize / 1_000_000} MB answers ({NonReaders * RequestsPerNonReader * (long)AnswerSize / 1_000_000} MB asked), {SlowFrames} slow-frame links ({closedBySlowFrameTimeout} closed by FrameTimeout), {OversizeHellos} hellos announcing 64 MiB ({oversizeRefused} refused at once), {HeldHellos} 60 KiB hellos held one byte short, for {seconds} s; MaxSendQueueBytes {(sendQueueMb is { } q ? $"{q} MiB" : "16 MiB (default)")}, node GC heap limit {(memoryLimitMb is { } l ? $"75% of {l} MiB (as in a Pod with that memory limit)" : "none")}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rss_mb before={Mb(before)} peak={Mb(peak)} after={Mb(after)} (high-water mark of the process {Mb(highWater)})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"legitimate caller during the attack: {ok} calls answered, {failed} failed"));
            node.StandardInput.Close();
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return 0;
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
            }
        }
    }

    private static int? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : null;
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture);

    private static async Task<long> GcRssAsync(Process node)
    {
        await node.StandardInput.WriteLineAsync("gc");
        var line = await node.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the node exited");
        return long.Parse(line["rss ".Length..], CultureInfo.InvariantCulture);
    }

    private static async Task<IHost> StartCallerAsync(IPEndPoint node)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Services.AddMesh(o =>
            {
                o.NodeId = "legitimate";
                o.AllowPlaintext = true;
            })
            .UseStaticPeers(node.ToString())
            .AddClient<IBulk>();
        var host = builder.Build();
        await host.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(MeshServiceRegistry.Get<IBulk>().Name, 1, timeout.Token);
        return host;
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint node, string from)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        await socket.ConnectAsync(node);
        return socket;
    }

    private static byte[] PrefaceAndHello(string nodeId)
    {
        using var writer = new PooledBufferWriter();
        Protocol.WritePreface(writer.GetSpan(Protocol.PrefaceSize));
        writer.Advance(Protocol.PrefaceSize);
        new HelloMessage(nodeId, "mesh", []).WriteFrame(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Callers that ask for 1 MB answers in a few bytes each and never read a byte.</summary>
    private static async Task NonReadingAsync(IPEndPoint node, IPayloadSerializer serializer, List<Socket> sockets)
    {
        var method = MeshServiceRegistry.Get<IBulk>().Methods.Single(m => m.Name == nameof(IBulk.Text));
        for (var i = 0; i < NonReaders; i++)
        {
            var socket = await ConnectAsync(node, "127.0.0.2");
            socket.ReceiveBufferSize = 4096;
            lock (sockets)
            {
                sockets.Add(socket);
            }

            var requests = new List<byte>(PrefaceAndHello($"non-reader-{i}"));
            for (var call = 1; call <= RequestsPerNonReader; call++)
            {
                using var request = RequestBuilder.Rent(method, serializer, 4 * 1024 * 1024);
                request.WriteArgument(AnswerSize);
                requests.AddRange(request.Frame(call, 60_000).ToArray());
            }

            await socket.SendAsync(requests.ToArray());
        }
    }

    /// <summary>Links that start a frame and trickle it a byte every 500 ms; returns how many the node closed.</summary>
    private static async Task<int> SlowFramesAsync(IPEndPoint node, List<Socket> sockets, CancellationToken attackEnd)
    {
        var links = new List<Socket>();
        for (var i = 0; i < SlowFrames; i++)
        {
            var socket = await ConnectAsync(node, "127.0.0.3");
            links.Add(socket);
            lock (sockets)
            {
                sockets.Add(socket);
            }

            await socket.SendAsync(PrefaceAndHello($"slow-{i}"));
            await socket.SendAsync(new byte[8]);
        }

        var closed = new HashSet<Socket>();
        while (!attackEnd.IsCancellationRequested && closed.Count < links.Count)
        {
            foreach (var socket in links.Where(s => !closed.Contains(s)))
            {
                try
                {
                    await socket.SendAsync(new byte[1]);
                }
                catch (SocketException)
                {
                    closed.Add(socket);
                }
            }

            try
            {
                await Task.Delay(500, attackEnd);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return closed.Count;
    }

    /// <summary>Hellos whose header announces 64 MiB; returns how many the node closed at once.</summary>
    private static async Task<int> OversizeHellosAsync(IPEndPoint node)
    {
        var refused = 0;
        for (var i = 0; i < OversizeHellos; i++)
        {
            using var socket = await ConnectAsync(node, "127.0.0.4");
            var bytes = new byte[Protocol.PrefaceSize + FrameHeader.Size];
            Protocol.WritePreface(bytes);
            new FrameHeader(64 * 1024 * 1024, FrameKind.Hello, 0, 0).Write(bytes.AsSpan(Protocol.PrefaceSize));
            await socket.SendAsync(bytes);
            await socket.SendAsync(new byte[64 * 1024]);
            var buffer = new byte[16];
            try
            {
                if (await socket.ReceiveAsync(buffer) == 0)
                {
                    refused++;
                }
            }
            catch (SocketException)
            {
                refused++;
            }
        }

        return refused;
    }

    /// <summary>Hellos of 60 KiB (under MaxHelloSize) sent all but their last byte, and held.</summary>
    private static async Task HeldHellosAsync(IPEndPoint node, List<Socket> sockets)
    {
        const int Size = 60 * 1024;
        for (var i = 0; i < HeldHellos; i++)
        {
            var socket = await ConnectAsync(node, "127.0.0.5");
            lock (sockets)
            {
                sockets.Add(socket);
            }

            var bytes = new byte[Protocol.PrefaceSize + FrameHeader.Size + Size - 1];
            Protocol.WritePreface(bytes);
            new FrameHeader(Size, FrameKind.Hello, 0, 0).Write(bytes.AsSpan(Protocol.PrefaceSize));
            await socket.SendAsync(bytes);
        }
    }
}
