using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Mesh.Generators.Model;

namespace Mesh.Generators;

/// <summary>
/// Gives every service of the assembly generated type names that no other service's generated types use,
/// e.g. for <c>ICalculator</c> and an interface <c>Calculator</c> in one namespace, or <c>Outer.IInner</c>
/// and <c>IOuter_Inner</c>.
/// </summary>
internal static class ServiceNaming
{
    /// <summary>
    /// Returns the services ordered by metadata name, each once, with a unique <see cref="ServiceModel.TypeNameStem"/>
    /// per generated namespace: a service keeps its preferred stem unless a service ordered before it has it, and
    /// then gets the first numbered stem (<c>Calculator2</c>, ...) that is nobody's preferred stem.
    /// </summary>
    public static ImmutableArray<ServiceModel> AssignTypeNames(ImmutableArray<ServiceModel> services)
    {
        var ordered = new List<ServiceModel>();
        var metadataNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            // A partial interface marked twice is one service (the compiler reports the duplicate attribute).
            if (metadataNames.Add(service.MetadataName))
            {
                ordered.Add(service);
            }
        }

        ordered.Sort(static (left, right) => string.CompareOrdinal(left.MetadataName, right.MetadataName));

        var preferred = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in ordered)
        {
            preferred.Add(Key(service.GeneratedNamespace, service.TypeNameStem));
        }

        var assigned = new HashSet<string>(StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<ServiceModel>(ordered.Count);
        foreach (var service in ordered)
        {
            var stem = service.TypeNameStem;
            if (!assigned.Add(Key(service.GeneratedNamespace, stem)))
            {
                for (var i = 2; ; i++)
                {
                    stem = service.TypeNameStem + i.ToString(CultureInfo.InvariantCulture);
                    var key = Key(service.GeneratedNamespace, stem);
                    if (!preferred.Contains(key) && assigned.Add(key))
                    {
                        break;
                    }
                }
            }

            result.Add(stem == service.TypeNameStem ? service : service with { TypeNameStem = stem });
        }

        return result.MoveToImmutable();
    }

    private static string Key(string generatedNamespace, string stem) => generatedNamespace + "." + stem;
}
