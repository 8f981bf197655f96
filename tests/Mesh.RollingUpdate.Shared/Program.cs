using Mesh;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RollingUpdate;

// One node of a rolling-update test, built as V1 or V2:
//   serve          hosts every service of this version, prints "LISTEN <endpoint>", stops when stdin closes;
//   call <peer>    calls every method of this version on <peer>, one line per case:
//                  "<case>\tOK\t<result>" or "<case>\tERROR\t<exception type>\t<message>".
if (args is ["serve"])
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Services
        .AddMesh(mesh =>
        {
            mesh.NodeId = "server-" + Build.Version;
            mesh.AllowPlaintext = true;
            mesh.ListenEndpoint = "127.0.0.1:0";
        })
        .AddService<IAddedMethod, AddedMethod>()
        .AddService<IOptionalParameter, OptionalParameter>()
        .AddService<IRecordField, RecordField>()
        .AddService<IRenamedParameter, RenamedParameter>()
#if V2
        .AddService<IAddedService, AddedService>()
#endif
        .AddService<ITypeChanged, TypeChanged>()
        .AddService<IReordered, Reordered>()
        .AddService<IRemovedMethod, RemovedMethod>();
    using var host = builder.Build();
    await host.StartAsync();
    Console.WriteLine("LISTEN " + host.Services.GetRequiredService<IMeshNode>().ListenEndPoint);
    while (await Console.In.ReadLineAsync() is not null)
    {
    }

    using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
    await host.StopAsync(stopping.Token);
    return 0;
}

if (args is not ["call", var peer])
{
    Console.Error.WriteLine("usage: serve | call <host:port>");
    return 2;
}

var clientBuilder = Host.CreateApplicationBuilder();
clientBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
clientBuilder.Services
    .AddMesh(mesh =>
    {
        mesh.NodeId = "caller-" + Build.Version;
        mesh.AllowPlaintext = true;
    })
    .UseStaticPeers(peer)
    .AddMeshClients();
using var client = clientBuilder.Build();
await client.StartAsync();
using (var linking = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
{
    await client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync("RollingUpdate.IAddedMethod", 1, linking.Token);
}

var services = client.Services;
await Case("added-method.echo", () => services.GetRequiredService<IAddedMethod>().Echo("a"));
await Case("renamed-parameter.double", () => services.GetRequiredService<IRenamedParameter>().Double(21));
await Case("removed-method.kept", () => services.GetRequiredService<IRemovedMethod>().Kept());
#if V1
await Case("optional-parameter.place", () => services.GetRequiredService<IOptionalParameter>().Place("pen", 2));
await Case("record-field.echo", async () =>
{
    var order = await services.GetRequiredService<IRecordField>().Echo(new Order { Item = "pen", Quantity = 2 });
    return $"{order.Item}|{order.Quantity}";
});
await Case("type-changed.square", () => services.GetRequiredService<ITypeChanged>().Square(3));
await Case("reordered.repeat", () => services.GetRequiredService<IReordered>().Repeat("ab", 2));
await Case("removed-method.removed", () => services.GetRequiredService<IRemovedMethod>().Removed());
#else
await Case("added-method.length", () => services.GetRequiredService<IAddedMethod>().Length("abc"));
await Case("optional-parameter.place", () => services.GetRequiredService<IOptionalParameter>().Place("pen", 2, "rush"));
await Case("optional-parameter.place-default", () => services.GetRequiredService<IOptionalParameter>().Place("pen", 2));
await Case("record-field.echo", async () =>
{
    var order = await services.GetRequiredService<IRecordField>().Echo(new Order { Item = "pen", Quantity = 2, Note = "gift" });
    return $"{order.Item}|{order.Quantity}|{order.Note ?? "(null)"}";
});
await Case("added-service.hello", () => services.GetRequiredService<IAddedService>().Hello());
await Case("type-changed.square", () => services.GetRequiredService<ITypeChanged>().Square(3L));
await Case("reordered.repeat", () => services.GetRequiredService<IReordered>().Repeat(2, "ab"));
#endif

using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
{
    await client.StopAsync(stopping.Token);
}

return 0;

static async Task Case<T>(string name, Func<Task<T>> call)
{
    string line;
    try
    {
        var result = await call().WaitAsync(TimeSpan.FromSeconds(20));
        line = $"{name}\tOK\t{result}";
    }
    catch (Exception ex)
    {
        line = $"{name}\tERROR\t{ex.GetType().FullName}\t{ex.Message.ReplaceLineEndings(" ")}";
    }

    Console.WriteLine(line);
}
