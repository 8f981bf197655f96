using System.Text.Json;
using Mesh.LoadDriver;
using Mesh.LoadDriver.Peers;

// Roles: no role = the orchestrator (runs every peer's server and client as child processes and prints
// the table); "server <peer>" and "client <peer> <address> <serverPid> [flags]" are those children.
try
{
    switch (args.FirstOrDefault())
    {
        case "server":
            return await RunServerAsync(Peers.Find(args[1]));
        case "client":
            return await RunClientAsync(Peers.Find(args[1]), args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), DriverOptions.Parse(args[4..]));
        case "stream-server":
            return await Mesh.LoadDriver.Streams.StreamMode.RunServerAsync(args);
        case "stream-client":
            return await Mesh.LoadDriver.Streams.StreamMode.RunClientAsync(args);
        case "--streams":
            return await Mesh.LoadDriver.Streams.StreamMode.RunAsync(args);
        case "--help" or "-h":
            Console.WriteLine(DriverOptions.Usage);
            Console.WriteLine(Mesh.LoadDriver.Streams.StreamMode.Usage);
            return 0;
        default:
            return await Orchestrator.RunAsync(DriverOptions.Parse(args));
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(DriverOptions.Usage);
    return 2;
}

static async Task<int> RunServerAsync(IPeer peer)
{
    await using var server = await peer.StartServerAsync(address => Console.WriteLine($"READY {address} {Environment.ProcessId}"));
    // Runs until the orchestrator closes standard input.
    while (await Console.In.ReadLineAsync() is not null)
    {
    }

    return 0;
}

static async Task<int> RunClientAsync(IPeer peer, string address, int serverPid, DriverOptions options)
{
    await using var client = await peer.ConnectAsync(address);
    await LoadClient.RunAsync(peer, client, serverPid, options, row =>
    {
        Console.WriteLine("ROW " + JsonSerializer.Serialize(row, ResultJson.Default.ResultRow));
    });
    return 0;
}
