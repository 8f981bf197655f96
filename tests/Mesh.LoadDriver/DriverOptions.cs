using System.Globalization;

namespace Mesh.LoadDriver;

/// <summary>Command-line settings of the driver.</summary>
internal sealed class DriverOptions
{
    public const string Usage = """
        Mesh load driver: client and server in separate processes on 127.0.0.1, one connection each.
          dotnet run -c Release --project tests/Mesh.LoadDriver -- [--short] [--json] [--peers floor,mesh,mesh-tls,grpc,grpc-tls,orleans]
                 [--concurrency 1,16,256] [--warmup SECONDS] [--duration SECONDS] [--rounds N]
        Default peers: floor, mesh, grpc, orleans; the TLS rows (mesh-tls, grpc-tls: mutual TLS with certificates the driver
        makes for the run) on request. Default: 3 s warm-up and 10 s measured per row; --short: 0.5 s and 1 s (a smoke run).
        Rows are measured concurrency by concurrency, every peer in turn, so rows compared in a ratio are measured
        back to back; --rounds N repeats the whole grid N times and reports each figure's median over the rounds.
        """;

    public IReadOnlyList<string> Peers { get; private set; } = ["floor", "mesh", "grpc", "orleans"];

    public IReadOnlyList<int> Concurrency { get; private set; } = [1, 16, 256];

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(3);

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);

    public bool Json { get; private set; }

    public bool Short { get; private set; }

    /// <summary>How many times the grid is measured; each figure reported is the median over the rounds.</summary>
    public int Rounds { get; private set; } = 1;

    /// <summary>Parses the orchestrator's (and the client role's) flags.</summary>
    public static DriverOptions Parse(IReadOnlyList<string> args)
    {
        var options = new DriverOptions();
        TimeSpan? warmup = null;
        TimeSpan? duration = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--short":
                    options.Short = true;
                    break;
                case "--json":
                    options.Json = true;
                    break;
                case "--peers":
                    options.Peers = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                    break;
                case "--concurrency":
                    options.Concurrency = [.. Next().Split(',').Select(c => Positive(int.Parse(c, CultureInfo.InvariantCulture), "--concurrency"))];
                    break;
                case "--rounds":
                    options.Rounds = int.Parse(Next(), CultureInfo.InvariantCulture) is var rounds and >= 1 and <= 99
                        ? rounds
                        : throw new ArgumentException("--rounds must be between 1 and 99");
                    break;
                case "--warmup":
                    warmup = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
                    break;
                case "--duration":
                    duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }

        options.Warmup = warmup ?? (options.Short ? TimeSpan.FromSeconds(0.5) : options.Warmup);
        options.Duration = duration ?? (options.Short ? TimeSpan.FromSeconds(1) : options.Duration);
        if (options.Duration <= TimeSpan.Zero || options.Warmup < TimeSpan.Zero)
        {
            throw new ArgumentException("--duration must be positive and --warmup not negative");
        }

        foreach (var peer in options.Peers)
        {
            _ = LoadDriver.Peers.Peers.Find(peer);
        }

        return options;
    }

    /// <summary>The flags the client role gets from the orchestrator, to measure <paramref name="concurrency"/>.</summary>
    public string ToClientArguments(IEnumerable<int> concurrency)
        => string.Create(CultureInfo.InvariantCulture, $"--concurrency {string.Join(',', concurrency)} --warmup {Warmup.TotalSeconds} --duration {Duration.TotalSeconds}");

    private static int Positive(int value, string name)
        => value > 0 && value <= 1024 ? value : throw new ArgumentException($"{name} values must be between 1 and 1024");
}
