namespace Quickstart;

/// <summary>Command-line flags of the quickstart.</summary>
internal sealed record QuickstartOptions(int Nodes, int Calls, int Concurrency, TimeSpan MaxDuration, bool Json, bool Plaintext = false)
{
    public const string Usage = """
        Usage: dotnet run --project samples/Quickstart -- [--nodes N] [--calls N] [--concurrency N] [--max-seconds N] [--json] [--plaintext]
          --nodes N        server nodes to start on 127.0.0.1 (default 3)
          --calls N        calls to make from the client (default 100000)
          --concurrency N  calls in flight at once (default 64)
          --max-seconds N  stop issuing calls after N seconds even if not all were made (default 20)
          --json           print one JSON summary as the last line
          --plaintext      links without TLS (by default every link uses mutual TLS from a CA made for the run)
        """;

    public static QuickstartOptions Parse(string[] args)
    {
        int nodes = 3, calls = 100_000, concurrency = 64, maxSeconds = 20;
        var json = false;
        var plaintext = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--nodes": nodes = Positive(args, ref i); break;
                case "--calls": calls = Positive(args, ref i); break;
                case "--concurrency": concurrency = Positive(args, ref i); break;
                case "--max-seconds": maxSeconds = Positive(args, ref i); break;
                case "--json": json = true; break;
                case "--plaintext": plaintext = true; break;
                default: throw new ArgumentException($"Unknown flag '{args[i]}'.");
            }
        }

        if (nodes > 64)
        {
            throw new ArgumentException("--nodes must be at most 64.");
        }

        return new QuickstartOptions(nodes, calls, Math.Min(concurrency, calls), TimeSpan.FromSeconds(maxSeconds), json, plaintext);
    }

    private static int Positive(string[] args, ref int i)
    {
        var flag = args[i];
        if (++i >= args.Length || !int.TryParse(args[i], out var value) || value <= 0)
        {
            throw new ArgumentException($"{flag} needs a positive integer.");
        }

        return value;
    }
}
