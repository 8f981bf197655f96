using System.Globalization;

namespace Mesh.Balancing.Driver;

/// <summary>
/// Flags of the form <c>--name value</c> (or a bare <c>--name</c>); unknown flags are an error. Shared with
/// tests/Mesh.ScaleBenchmark, which compiles this file too.
/// </summary>
internal sealed class Args
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{list[i]}'.");
            }

            var hasValue = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal);
            _values[list[i]] = hasValue ? list[++i] : null;
        }
    }

    public string String(string name, string fallback)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var value) ? value ?? throw new ArgumentException($"{name} needs a value.") : fallback;
    }

    public int Int(string name, int fallback) => int.TryParse(String(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture, out var v) && v > 0
        ? v
        : throw new ArgumentException($"{name} needs a positive integer.");

    public double Double(string name, double fallback) => double.TryParse(String(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture, out var v) && v > 0
        ? v
        : throw new ArgumentException($"{name} needs a positive number.");

    public int[] Ints(string name, string fallback) => [.. String(name, fallback)
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name} needs positive integers separated by commas."))];

    public bool Flag(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    /// <summary>Fails on any flag the mode did not read.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _values.Keys.FirstOrDefault(k => !_used.Contains(k));
        if (unknown is not null)
        {
            throw new ArgumentException($"Unknown flag '{unknown}'.");
        }
    }
}
