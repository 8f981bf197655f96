using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Mesh.Generators;

/// <summary>How a service interface is named on the wire, in hint names and in generated code.</summary>
internal static class Naming
{
    private const string GeneratedNamespaceRoot = "Mesh.Generated";

    /// <summary>The default wire name: <c>Sample.Outer.ICalculator</c> (no <c>global::</c>, no generic arity).</summary>
    public static string GetDefaultServiceName(INamedTypeSymbol service)
    {
        var parts = new List<string>();
        for (var type = service; type is not null; type = type.ContainingType)
        {
            parts.Add(type.Name);
        }

        for (var ns = service.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Add(ns.Name);
        }

        parts.Reverse();
        return string.Join(".", parts);
    }

    public static string GetMetadataName(INamedTypeSymbol service)
    {
        var name = service.MetadataName;
        for (var type = service.ContainingType; type is not null; type = type.ContainingType)
        {
            name = type.MetadataName + "+" + name;
        }

        for (var ns = service.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            name = ns.Name + "." + name;
        }

        return name;
    }

    public static string GetGeneratedNamespace(INamedTypeSymbol service)
    {
        var parts = new List<string>();
        for (var ns = service.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Add(ToIdentifier(ns.Name));
        }

        parts.Add(GeneratedNamespaceRoot);
        parts.Reverse();
        return string.Join(".", parts);
    }

    /// <summary><c>ICalculator</c> → <c>Calculator</c>; <c>Outer.IInner</c> → <c>Outer_Inner</c>.</summary>
    public static string GetTypeNameStem(INamedTypeSymbol service)
    {
        var name = service.Name;
        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name.Substring(1);
        }

        for (var type = service.ContainingType; type is not null; type = type.ContainingType)
        {
            name = type.Name + "_" + name;
        }

        return name;
    }

    /// <summary>
    /// <paramref name="name"/> as a C# identifier: keywords and contextual keywords escaped (<c>@class</c>,
    /// <c>@await</c>: a parameter named <c>await</c> cannot be used unescaped in an async method).
    /// </summary>
    public static string ToIdentifier(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;
}
