using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Mesh.Runtime.Tests.Diagnostics;
using Mesh.Runtime.Tests.TestServices;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>
/// Fuzzing of the TLS and handshake path of a node with mutual TLS: random bytes instead of a ClientHello, truncated
/// and mutated ClientHellos, garbage inside an established TLS session, and hellos mutated after TLS. Whatever arrives,
/// the node closes that connection with a reason (counted in <c>mesh.link.failures</c> with its reason, logged as a refused link) or,
/// for a harmless mutation, links; it keeps running and serves its other links. Seeds are fixed; each connection is
/// bounded by the node's <see cref="MeshOptions.HandshakeTimeout"/> (300 ms here).
/// </summary>
public sealed class TlsFuzzTests : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();
    private readonly LogCapture _logs = new();
    private TestCluster _cluster = null!;
    private MeshMeterRecorder _metrics = null!;

    private IPEndPoint Server => _cluster.Servers[0].EndPoint;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(
            servers: 1,
            configureClient: o => _certificates.Use(o, "client"),
            configureServer: mesh =>
            {
                mesh.Services.AddSingleton<ILoggerProvider>(_logs);
                mesh.Services.Configure<MeshOptions>(o =>
                {
                    _certificates.Use(o, "node-1");
                    o.HandshakeTimeout = TimeSpan.FromMilliseconds(300);
                });
            });
        _metrics = new MeshMeterRecorder(_cluster.Servers[0].Host.Services.GetRequiredService<IMeterFactory>());
    }

    public async Task DisposeAsync()
    {
        _metrics.Dispose();
        await _cluster.DisposeAsync();
        _certificates.Dispose();
    }

    [Fact]
    public async Task Serve_RandomBytesInsteadOfAClientHello_EachConnectionClosedWithAReasonOthersServed()
    {
        var random = new Random(11);
        const int Attacks = 30;
        for (var i = 0; i < Attacks; i++)
        {
            var bytes = new byte[random.Next(1, 600)];
            random.NextBytes(bytes);
            if (i % 3 == 0)
            {
                // A TLS record header in front: the parser goes one step further before it refuses.
                bytes[0] = 0x16;
                bytes[1] = 0x03;
                bytes[2] = 0x01;
            }

            await SendAndWaitForCloseAsync(bytes);
        }

        await AssertSurvivedAsync(Attacks);
    }

    [Fact]
    public async Task Serve_TruncatedAndMutatedClientHellos_EachConnectionClosedWithAReasonOthersServed()
    {
        var hello = await CaptureClientHelloAsync();
        var random = new Random(12);
        const int Truncated = 10;
        const int Mutated = 30;
        for (var i = 0; i < Truncated; i++)
        {
            await SendAndWaitForCloseAsync(hello.AsSpan(0, random.Next(1, hello.Length)).ToArray());
        }

        for (var i = 0; i < Mutated; i++)
        {
            var bytes = hello.ToArray();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            await SendAndWaitForCloseAsync(bytes);
        }

        await AssertSurvivedAsync(Truncated + Mutated);
    }

    [Fact]
    public async Task Serve_GarbageInsideAnEstablishedTlsSession_ConnectionClosedOthersServed()
    {
        var random = new Random(13);
        const int Attacks = 10;
        for (var i = 0; i < Attacks; i++)
        {
            using var socket = await ConnectAsync();
            await using var network = new NetworkStream(socket, ownsSocket: false);
            await using var tls = new SslStream(network, leaveInnerStreamOpen: true);
            await tls.AuthenticateAsClientAsync(ClientOptions()).WaitAsync(TestCluster.Bound);

            // Bytes that are not TLS records, written under the session: the node's TLS layer must refuse them.
            var garbage = new byte[random.Next(1, 300)];
            random.NextBytes(garbage);
            await socket.SendAsync(garbage).WaitAsync(TestCluster.Bound);
            await new RawPeer(socket).WaitForCloseAsync();
        }

        await AssertSurvivedAsync(Attacks);
    }

    [Fact]
    public async Task Serve_HelloMutatedAfterTls_RefusedOrLinkedNeverCrashesOthersServed()
    {
        var valid = RawPeer.PrefaceAndHello(new HelloMessage("fuzzer", "mesh", []));
        var random = new Random(14);
        const int Attacks = 40;
        var refused = 0;
        for (var i = 0; i < Attacks; i++)
        {
            var bytes = valid.AsSpan(0, random.Next(1, valid.Length + 1)).ToArray();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            using var socket = await ConnectAsync();
            await using var network = new NetworkStream(socket, ownsSocket: false);
            await using var tls = new SslStream(network);
            await tls.AuthenticateAsClientAsync(ClientOptions()).WaitAsync(TestCluster.Bound);
            // The node either answers with its own preface (the mutation left a valid hello) or closes the connection
            // (which may come before the write has gone out).
            var answer = new byte[Protocol.PrefaceSize];
            var read = 0;
            try
            {
                await tls.WriteAsync(bytes).AsTask().WaitAsync(TestCluster.Bound);
                while (read < answer.Length)
                {
                    var n = await tls.ReadAsync(answer.AsMemory(read)).AsTask().WaitAsync(TestCluster.Bound);
                    if (n == 0)
                    {
                        break;
                    }

                    read += n;
                }
            }
            catch (IOException)
            {
            }

            if (read < answer.Length)
            {
                refused++;
            }
        }

        Assert.InRange(refused, 1, Attacks);
        await AssertSurvivedAsync(refused);
    }

    private async Task SendAndWaitForCloseAsync(byte[] bytes)
    {
        using var raw = new RawPeer(await ConnectAsync());
        await raw.SendAsync(bytes);
        await raw.WaitForCloseAsync();
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Server).WaitAsync(TestCluster.Bound);
        return socket;
    }

    /// <summary>The node still runs, counted each refused connection with a reason, logged it, and serves its real caller.</summary>
    private async Task AssertSurvivedAsync(int refused)
    {
        Assert.Equal(5, await _cluster.ClientService<ITestService>().Add(2, 3).AsTask().WaitAsync(TestCluster.Bound));
        Assert.Equal(MeshNodeState.Running, _cluster.Servers[0].Host.Services.GetRequiredService<IMeshNode>().State);

        // Each refusal is counted once the node has finished with the connection (just after it closed it).
        var failures = await WaitForAsync(() => _metrics.Of("mesh.link.failures").Where(m => m.Tags["mesh.link.role"] == "server").ToList(), f => f.Count >= refused);
        Assert.Equal(refused, failures.Count);
        Assert.All(failures, f => Assert.Contains(f.Tags["mesh.link.failure"], new[] { "tls", "protocol", "timeout", "io" }));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.EventId == 9 && e.Message.Contains("Refused a link from", StringComparison.Ordinal));
    }

    private static async Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> done)
    {
        using var timeout = new CancellationTokenSource(TestCluster.Bound);
        while (true)
        {
            var value = read();
            if (done(value) || timeout.IsCancellationRequested)
            {
                return value;
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    private SslClientAuthenticationOptions ClientOptions()
    {
        var (certificate, key) = _certificates.Issue("fuzzer");
        using var pem = X509Certificate2.CreateFromPemFile(certificate, key);
        return new SslClientAuthenticationOptions
        {
            TargetHost = "mesh",
            ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        };
    }

    /// <summary>A real TLS 1.3 ClientHello, as .NET sends it, caught by a listener that never answers it.</summary>
    private static async Task<byte[]> CaptureClientHelloAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!).WaitAsync(TestCluster.Bound);
        using var accepted = await listener.AcceptAsync().WaitAsync(TestCluster.Bound);
        using var stop = new CancellationTokenSource();
        var tls = new SslStream(new NetworkStream(client, ownsSocket: false));
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "mesh", EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls13 }, stop.Token);

        // The record header says how long the ClientHello is.
        var buffer = new byte[16 * 1024];
        var read = 0;
        while (read < 5 || read < 5 + ((buffer[3] << 8) | buffer[4]))
        {
            read += await accepted.ReceiveAsync(buffer.AsMemory(read)).AsTask().WaitAsync(TestCluster.Bound);
        }

        await stop.CancelAsync();
        try
        {
            await handshake;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Security.Authentication.AuthenticationException)
        {
        }

        await tls.DisposeAsync();
        Assert.Equal(0x16, buffer[0]);
        return buffer.AsSpan(0, read).ToArray();
    }

    /// <summary>Collects what the node logs.</summary>
    private sealed class LogCapture : ILoggerProvider
    {
        private readonly ConcurrentQueue<(LogLevel Level, int EventId, string Message)> _entries = new();

        public IReadOnlyList<(LogLevel Level, int EventId, string Message)> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Logger(_entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(LogLevel, int, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}
