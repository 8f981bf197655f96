using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Mesh.Generators.Model;

namespace Mesh.Generators;

/// <summary>Finds services of the assembly whose wire names, or the wire ids hashed from them, are equal.</summary>
internal static class ServiceNameCheck
{
    public static ImmutableArray<DiagnosticInfo> FindDuplicates(ImmutableArray<ServiceIdentity> services)
    {
        var ordered = new List<ServiceIdentity>(services);
        ordered.Sort(static (left, right) => string.CompareOrdinal(left.MetadataName, right.MetadataName));

        var byId = new Dictionary<uint, ServiceIdentity>();
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        foreach (var service in ordered)
        {
            var id = Fnv1a.Compute(service.ServiceName);
            if (!byId.TryGetValue(id, out var first))
            {
                byId.Add(id, service);
                continue;
            }

            if (first.MetadataName == service.MetadataName)
            {
                continue; // one partial interface marked twice
            }

            diagnostics.Add(new DiagnosticInfo(
                DiagnosticDescriptors.DuplicateServiceName,
                service.Location,
                new EquatableArray<string>(
                [
                    first.DisplayName,
                    service.DisplayName,
                    id.ToString("x8", CultureInfo.InvariantCulture),
                    first.ServiceName,
                    service.ServiceName,
                ])));
        }

        return diagnostics.ToImmutable();
    }
}
