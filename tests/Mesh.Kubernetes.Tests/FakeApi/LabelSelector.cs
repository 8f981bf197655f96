namespace Mesh.Kubernetes.Tests.FakeApi;

/// <summary>Equality-based label selectors (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, comma-separated), as the API server reads them.</summary>
internal sealed class LabelSelector
{
    private readonly List<(string Key, string Value, bool Equal)> _terms = [];

    public LabelSelector(string? selector)
    {
        foreach (var term in (selector ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var notEqual = term.IndexOf("!=", StringComparison.Ordinal);
            if (notEqual > 0)
            {
                _terms.Add((term[..notEqual], term[(notEqual + 2)..], false));
                continue;
            }

            var parts = term.Split(["==", "="], 2, StringSplitOptions.None);
            if (parts.Length != 2 || parts[0].Length == 0)
            {
                throw new FormatException($"unable to parse requirement: '{term}'");
            }

            _terms.Add((parts[0], parts[1], true));
        }
    }

    public bool Matches(IDictionary<string, string>? labels)
        => _terms.All(t => (labels is not null && labels.TryGetValue(t.Key, out var value) && value == t.Value) == t.Equal);
}
