using Mesh.Balancing;
using Mesh.Balancing.Simulator;
using Mesh.Balancing.Simulator.Keyed;

// Deterministic balancing simulator: runs the runtime's own policies on simulated callers and servers.
const string Usage = """
    Usage: dotnet run -c Release --project tests/Mesh.Balancing.Simulator -- [options]
      --workload FILE   a workload described in JSON (see tests/Mesh.Balancing.Simulator/Workloads/*.json)
      --builtin NAME    a built-in workload, or 'all' (the default)
      --policy NAME     one policy, or 'all' (the default; or the workload's "policies")
      --seed N          override the workload's seed
      --sweep [FILTER]  the sensitivity table: the default's constants swept (only settings containing FILTER), worst case over the suite
      --bars            the default against the best other policy on every workload, and whether the issue's bars hold
      --keyed [NAME]    keyed workloads (zipf, hot-key, slow-node, or all): bounded-load hashing vs plain consistent
                        hashing vs no affinity (LoadAware); then how many of 100,000 keys move when a node joins or leaves
      --scale [SxC]     S servers x C callers (default 1000x1000), full mesh against the deterministic aperture
      --aperture N      the aperture's floor for --scale (default 12)
      --seconds N       simulated seconds for --scale (default 6)
    Prints the comparison table, then one JSON object per workload × policy.
    """;

string? file = null, builtin = null, policy = null;
int? seed = null;
var sweep = false;
var bars = false;
string? keyed = null;
string? scale = null;
var aperture = 12;
var seconds = 6.0;
string? sweepFilter = null;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--workload": file = Next(args, ref i); break;
            case "--builtin": builtin = Next(args, ref i); break;
            case "--policy": policy = Next(args, ref i); break;
            case "--seed": seed = int.Parse(Next(args, ref i), System.Globalization.CultureInfo.InvariantCulture); break;
            case "--sweep":
                sweep = true;
                if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    sweepFilter = args[++i];
                }

                break;
            case "--bars": bars = true; break;
            case "--keyed":
                keyed = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "all";
                break;
            case "--scale":
                scale = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "1000x1000";
                break;
            case "--aperture": aperture = int.Parse(Next(args, ref i), System.Globalization.CultureInfo.InvariantCulture); break;
            case "--seconds": seconds = double.Parse(Next(args, ref i), System.Globalization.CultureInfo.InvariantCulture); break;
            case "--help" or "-h": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"Unknown flag '{args[i]}'.");
        }
    }

    if (keyed is not null)
    {
        Console.WriteLine(KeyedResult.Header());
        foreach (var name in keyed == "all" ? KeyedWorkload.BuiltinNames : [keyed])
        {
            var workload = KeyedWorkload.Builtin(name);
            workload = seed is { } keyedSeed ? workload with { Seed = keyedSeed } : workload;
            foreach (var keyedPolicy in KeyedWorkload.Policies)
            {
                Console.WriteLine(new KeyedSimulation(workload, keyedPolicy).Run());
            }
        }

        Console.WriteLine();
        Console.WriteLine("ε swept (bounded load):");
        Console.WriteLine(KeyedResult.Header());
        foreach (var name in keyed == "all" ? KeyedWorkload.BuiltinNames : [keyed])
        {
            var workload = KeyedWorkload.Builtin(name);
            workload = seed is { } keyedSeed ? workload with { Seed = keyedSeed } : workload;
            foreach (var bound in (double[])[0.1, 0.25, 0.5, 1, 2])
            {
                Console.WriteLine(new KeyedSimulation(workload, KeyedWorkload.BoundedLoad, bound).Run());
            }
        }

        Console.WriteLine();
        foreach (var line in KeyMovement.Table([5, 10, 50, 100]))
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    if (scale is not null)
    {
        var size = scale.Split('x');
        if (size.Length != 2 || !int.TryParse(size[0], out var servers) || !int.TryParse(size[1], out var callers) || servers < 1 || callers < 1)
        {
            throw new ArgumentException($"--scale takes SERVERSxCALLERS (e.g. 1000x1000), not '{scale}'.");
        }

        var name = policy is null or "all" ? LoadBalancingPolicies.Default : policy;
        Console.WriteLine($"# policy {name}, seed {seed ?? 1}, {seconds} s simulated (1 s warm-up)");
        Console.WriteLine(Scale.Header());
        Console.WriteLine(Scale.Row(new Simulation(Scale.Create(servers, callers, seconds, null, seed ?? 1), name).Run(), "full mesh"));
        Console.WriteLine(Scale.Row(new Simulation(Scale.Create(servers, callers, seconds, aperture, seed ?? 1), name).Run(), $"aperture {aperture}"));
        return 0;
    }

    var workloads = file is not null
        ? [Workload.Load(file)]
        : (builtin is null or "all" ? Workload.BuiltinNames : [builtin]).Select(Workload.Builtin).ToList();
    if (seed is { } s)
    {
        workloads = [.. workloads.Select(w => w with { Seed = s })];
    }

    if (sweep)
    {
        Sweep.Run(workloads, sweepFilter);
        return 0;
    }

    if (bars)
    {
        Console.WriteLine(BarRow.Header());
        foreach (var row in Sweep.Bars(workloads))
        {
            Console.WriteLine(row);
        }

        return 0;
    }

    if (policy is not null && policy != "all" && !Simulation.PolicyNames.Contains(policy, StringComparer.OrdinalIgnoreCase))
    {
        throw new ArgumentException($"Unknown policy '{policy}'; use one of {string.Join(", ", Simulation.PolicyNames)}.");
    }

    var json = new List<string>();
    Console.WriteLine(Report.TableHeader());
    foreach (var workload in workloads)
    {
        Console.WriteLine($"# {workload.Name}: {workload.Description} — judged by {workload.FigureOfMerit ?? "throughput, p99"}");
        var policies = policy is not null && policy != "all" ? [policy] : workload.Policies ?? Simulation.PolicyNames;
        foreach (var name in policies)
        {
            var result = new Simulation(workload, name).Run();
            Console.WriteLine(Report.TableRow(result, workload.WarmupSeconds));
            if (result.DeadlineExceeded > 0 && Environment.GetEnvironmentVariable("MESH_SIM_FAILURES") is not null)
            {
                Console.WriteLine("  past deadline by second: " + string.Join(" ", result.FailuresBySecond));
            }
            json.Add(Report.Json(result, workload.WarmupSeconds));
        }
    }

    Console.WriteLine();
    json.ForEach(Console.WriteLine);
    return 0;
}
catch (Exception ex) when (ex is ArgumentException or IOException or System.Text.Json.JsonException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

static string Next(string[] args, ref int i)
    => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");
