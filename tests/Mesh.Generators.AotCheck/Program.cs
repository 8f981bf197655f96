using Mesh;
using Mesh.Generators.AotCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Starts a server node and a client node on 127.0.0.1, calls every method through the generated client and
// exits with 0 when every answer is right: run after a native AOT publish to see generated code work there.
var timeout = TimeSpan.FromSeconds(30);

var serverBuilder = Host.CreateApplicationBuilder();
serverBuilder.Logging.ClearProviders();
serverBuilder.Services.AddMesh(options =>
    {
        options.NodeId = "server";
        options.AllowPlaintext = true;
        options.ListenEndpoint = "127.0.0.1:0";
    })
    .AddService<ICatalog, Catalog>()
    .AddService<Internal.IClock, Clock>();
using var server = serverBuilder.Build();
await server.StartAsync().WaitAsync(timeout);
var endPoint = server.Services.GetRequiredService<IMeshNode>().ListenEndPoint!;

var clientBuilder = Host.CreateApplicationBuilder();
clientBuilder.Logging.ClearProviders();
clientBuilder.Services.AddMesh(options =>
    {
        options.NodeId = "client";
        options.AllowPlaintext = true;
    })
    .UseStaticPeers(endPoint.ToString())
    .AddMeshClients();
using var client = clientBuilder.Build();
await client.StartAsync().WaitAsync(timeout);
await client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync("aot-check.clock", 1, CancellationToken.None).WaitAsync(timeout);

var catalog = client.Services.GetRequiredService<ICatalog>();
var clock = client.Services.GetRequiredService<Internal.IClock>();
await catalog.Touch();
var answers = new[]
{
    (await catalog.Read(7))?.Name,
    (await catalog.Read(0))?.Name ?? "null",
    (await catalog.Count(Kind.Record, "a", "b")).ToString(System.Globalization.CultureInfo.InvariantCulture),
    string.Join(",", (await catalog.Totals([new Item(1, "x", Kind.Book), new Item(2, "y", Kind.Book)], limit: 1)).Keys),
    await catalog.Describe(new Item(3, "z", Kind.Book), null),
    await catalog.Describe(5),
    (await clock.Now()).ToString(System.Globalization.CultureInfo.InvariantCulture),
};
var expected = new[] { "item-7", "null", "3", "x", "z/-/Book", "id 5", "42" };

await client.StopAsync().WaitAsync(timeout);
await server.StopAsync().WaitAsync(timeout);

var ok = answers.SequenceEqual(expected);
Console.WriteLine(ok ? "aot-check: all calls answered correctly" : $"aot-check: expected {string.Join(" | ", expected)} but got {string.Join(" | ", answers)}");
return ok ? 0 : 1;
