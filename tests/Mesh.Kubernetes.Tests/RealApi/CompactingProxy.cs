using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Kubernetes.Tests.RealApi;

/// <summary>
/// A pass-through HTTP proxy to the real API server that compacts etcd once, just before it forwards the first list
/// request carrying a continue token: the real server then finds that token's snapshot gone and answers 410 itself.
/// The proxy decides only when the compaction happens (between two pages); every answer is the real server's.
/// </summary>
internal sealed class CompactingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private int _compactions;
    private int _gone;
    private int _pages;

    private CompactingProxy(WebApplication app, HttpClient upstream)
    {
        _app = app;
        _upstream = upstream;
    }

    public string Url { get; private set; } = "";

    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

    public int Compactions => Volatile.Read(ref _compactions);

    /// <summary>410 answers the real server gave to continued lists.</summary>
    public int Gone => Volatile.Read(ref _gone);

    /// <summary>List requests (pages) forwarded, continued or first.</summary>
    public int Pages => Volatile.Read(ref _pages);

    /// <summary>The revision etcd was compacted to, once it was.</summary>
    public long CompactedRevision { get; private set; }

    public static async Task<CompactingProxy> StartAsync(RealApiServer server, string ns)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();

        // The real server's certificate is trusted by the test's own clients; this proxy only relays on loopback.
        var upstream = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } })
        {
            BaseAddress = new Uri(server.Host),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var proxy = new CompactingProxy(app, upstream);
        app.Run(context => proxy.RelayAsync(context, server, ns));
        await app.StartAsync();
        proxy.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private async Task RelayAsync(HttpContext context, RealApiServer server, string ns)
    {
        var query = context.Request.QueryString.Value ?? "";
        Requests.Enqueue(context.Request.Method + " " + context.Request.Path + query);
        var isList = context.Request.Method == HttpMethods.Get && context.Request.Path.Value!.EndsWith("/endpointslices", StringComparison.Ordinal) && !query.Contains("watch=true", StringComparison.Ordinal);
        var continued = isList && query.Contains("continue=", StringComparison.Ordinal);
        if (isList)
        {
            Interlocked.Increment(ref _pages);
        }

        if (continued && Interlocked.CompareExchange(ref _compactions, 1, 0) == 0)
        {
            CompactedRevision = await server.CompactEtcdAsync(ns);
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path.Value + query);
        foreach (var header in context.Request.Headers)
        {
            if (!header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase) && !header.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(header.Key, [.. header.Value]);
            }
        }

        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } contentType)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        if (continued && response.StatusCode == System.Net.HttpStatusCode.Gone)
        {
            Interlocked.Increment(ref _gone);
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !header.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        try
        {
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // A watch the client or the server ended.
        }
    }
}
