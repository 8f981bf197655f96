using Mesh.Balancing.Driver;

// Real processes on loopback: dotnet run -c Release --project tests/Mesh.Balancing.Driver -- run [--seconds 5] [--json]
const string Usage = """
    Usage: Mesh.Balancing.Driver run [--seconds S] [--warmup S] [--concurrency N] [--cost-ms MS] [--capacity N] [--scenarios equal,one-slow] [--aperture-threshold N] [--json]
           Mesh.Balancing.Driver server --node-id ID [--listen HOST:PORT] [--capacity N] [--cost-ms MS] [--factor F] [--nodes K]
           Mesh.Balancing.Driver client --peers host:port,... [--policy NAME] [--concurrency N] [--warmup S] [--seconds S] [--node-id ID] [--aperture-threshold N]
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

try
{
    var rest = new Args(args.Skip(1));
    return args[0] switch
    {
        "run" => await RunMode.RunAsync(rest),
        "server" => await ServerMode.RunAsync(rest),
        "client" => await ClientMode.RunAsync(rest),
        _ => throw new ArgumentException($"Unknown mode '{args[0]}'."),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}
