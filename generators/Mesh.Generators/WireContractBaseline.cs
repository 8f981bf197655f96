using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Mesh.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Mesh.Generators;

/// <summary>
/// The wire-contract baseline: <c>WireContract.Shipped.txt</c> and <c>WireContract.Unshipped.txt</c>, given
/// to the compiler as AdditionalFiles, list one method per line as <c>wire name|contract</c>
/// (<c>Shop.IOrders|Place(System.String,System.Int32,[System.String])</c>; '#' starts a comment). A shipped
/// line whose method this build does not serve, or serves with other appended parameters, is an error; a
/// method of this build that no line lists is a warning.
/// </summary>
internal static class WireContractBaseline
{
    public const string ShippedFileName = "WireContract.Shipped.txt";
    public const string UnshippedFileName = "WireContract.Unshipped.txt";

    /// <summary>One line of a baseline file and where it is.</summary>
    public sealed record Entry(string ServiceName, string Contract, Location Location)
    {
        public string Text => ServiceName + "|" + Contract;
    }

    /// <summary>One method of a service of this build.</summary>
    public sealed record ServedMethod(string ServiceName, string Contract, string Signature, Location Location)
    {
        public string Text => ServiceName + "|" + Contract;
    }

    public static bool IsBaselineFile(AdditionalText file)
    {
        var name = System.IO.Path.GetFileName(file.Path);
        return string.Equals(name, ShippedFileName, StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, UnshippedFileName, StringComparison.OrdinalIgnoreCase);
    }

    public static bool IsShipped(AdditionalText file)
        => string.Equals(System.IO.Path.GetFileName(file.Path), ShippedFileName, StringComparison.OrdinalIgnoreCase);

    public static List<Entry> Read(AdditionalText file, System.Threading.CancellationToken cancellationToken)
    {
        var entries = new List<Entry>();
        var text = file.GetText(cancellationToken);
        if (text is null)
        {
            return entries;
        }

        foreach (var line in text.Lines)
        {
            var content = line.ToString().Trim();
            var separator = content.IndexOf('|');
            if (content.Length == 0 || content[0] == '#' || separator <= 0)
            {
                continue;
            }

            entries.Add(new Entry(
                content.Substring(0, separator).Trim(),
                content.Substring(separator + 1).Trim(),
                Location.Create(file.Path, line.Span, text.Lines.GetLinePositionSpan(line.Span))));
        }

        return entries;
    }

    /// <summary>The methods of a parsed service, located at the service's declaration.</summary>
    public static IEnumerable<ServedMethod> Served(ServiceModel service, Location location)
        => service.Methods.Select(method => new ServedMethod(service.ServiceName, method.Contract, method.Signature, location));

    /// <summary>Compares this build's methods with the baseline files and returns the diagnostics.</summary>
    public static IEnumerable<Diagnostic> Check(IReadOnlyList<Entry> shipped, IReadOnlyList<Entry> unshipped, IReadOnlyList<ServedMethod> served)
    {
        var servedByKey = new Dictionary<(string Service, string Signature), ServedMethod>();
        foreach (var method in served)
        {
            servedByKey[(method.ServiceName, method.Signature)] = method;
        }

        foreach (var entry in shipped.OrderBy(static entry => entry.Text, StringComparer.Ordinal))
        {
            var (signature, appended) = Split(entry.Contract);
            if (!servedByKey.TryGetValue((entry.ServiceName, signature), out var method))
            {
                var serviceServed = served.Any(method => method.ServiceName == entry.ServiceName);
                yield return Diagnostic.Create(
                    DiagnosticDescriptors.ShippedContractBroken,
                    entry.Location,
                    entry.Contract,
                    $"service '{entry.ServiceName}'",
                    serviceServed
                        ? "no method has this name and these required parameter types: it was removed, renamed, or a parameter's type or order changed"
                        : "the service is not declared: it was removed, or its wire name changed (keep it with [BalancedService(Name = \"" + entry.ServiceName + "\")])");
                continue;
            }

            var (_, servedAppended) = Split(method.Contract);
            if (servedAppended.Length < appended.Length || !servedAppended.Take(appended.Length).SequenceEqual(appended, StringComparer.Ordinal))
            {
                yield return Diagnostic.Create(
                    DiagnosticDescriptors.ShippedContractBroken,
                    entry.Location,
                    entry.Contract,
                    $"service '{entry.ServiceName}'",
                    $"this build has '{method.Contract}': an optional parameter was removed or its type or position changed");
            }
        }

        var recorded = new HashSet<string>(shipped.Concat(unshipped).Select(static entry => entry.Text), StringComparer.Ordinal);
        foreach (var method in served.OrderBy(static method => method.Text, StringComparer.Ordinal))
        {
            if (!recorded.Contains(method.Text))
            {
                yield return Diagnostic.Create(DiagnosticDescriptors.UnrecordedContract, method.Location, method.Text);
            }
        }
    }

    /// <summary><c>M(A,B,[C],[D])</c> → (<c>M(A,B)</c>, [<c>C</c>, <c>D</c>]): the method id's signature and the appended types.</summary>
    private static (string Signature, ImmutableArray<string> Appended) Split(string contract)
    {
        var open = contract.IndexOf('(');
        var appendedStart = contract.IndexOf(",[", StringComparison.Ordinal);
        if (appendedStart < 0)
        {
            appendedStart = open >= 0 && contract.Length > open + 1 && contract[open + 1] == '[' ? open + 1 : -1;
        }

        if (appendedStart < 0)
        {
            return (contract, ImmutableArray<string>.Empty);
        }

        // "[A],[B[]]" → "A],[B[]" → "A", "B[]": only the outer brackets go (array types keep theirs).
        var tail = contract.Substring(contract[appendedStart] == ',' ? appendedStart + 1 : appendedStart).TrimEnd(')');
        var inner = tail.Length >= 2 ? tail.Substring(1, tail.Length - 2) : tail;
        var appended = inner.Split(new[] { "],[" }, StringSplitOptions.None).ToImmutableArray();
        return (contract.Substring(0, appendedStart) + ")", appended);
    }
}
