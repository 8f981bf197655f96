using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Mesh.Generators.Tests;

public sealed class ModelHygieneTests
{
    private static readonly Type[] ForbiddenTypes =
    [
        typeof(ISymbol),
        typeof(SyntaxNode),
        typeof(SyntaxTree),
        typeof(Location),
        typeof(Compilation),
        typeof(SemanticModel),
    ];

    [Fact]
    public void ModelTypes_AllFieldsAndProperties_HoldNoSymbolsSyntaxOrCompilation()
    {
        var generatorAssembly = typeof(BalancedServiceGenerator).Assembly;
        var modelTypes = generatorAssembly.GetTypes()
            .Where(type => type.Namespace == "Mesh.Generators.Model" && !type.IsNested)
            .ToList();
        Assert.Contains(typeof(Model.ParseResult), modelTypes);

        var problems = new List<string>();
        var visited = new HashSet<Type>();
        foreach (var type in modelTypes)
        {
            Walk(type, type.Name, generatorAssembly, visited, problems);
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void Walk_ModelHoldingSymbol_IsReported()
    {
        var problems = new List<string>();

        Walk(typeof(BadModel), nameof(BadModel), typeof(ModelHygieneTests).Assembly, [], problems);

        Assert.Equal(2, problems.Count); // the property and its backing field
        Assert.All(problems, problem => Assert.EndsWith("<ITypeSymbol> is a Microsoft.CodeAnalysis.ITypeSymbol", problem, StringComparison.Ordinal));
    }

    private sealed record BadModel(IReadOnlyList<ITypeSymbol> Symbols);

    private static void Walk(Type type, string path, Assembly generatorAssembly, HashSet<Type> visited, List<string> problems)
    {
        if (ForbiddenTypes.Any(forbidden => forbidden.IsAssignableFrom(type)))
        {
            problems.Add($"{path} is a {type.FullName}");
            return;
        }

        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                Walk(argument, $"{path}<{argument.Name}>", generatorAssembly, visited, problems);
            }
        }

        if (type.IsArray)
        {
            Walk(type.GetElementType()!, path + "[]", generatorAssembly, visited, problems);
        }

        // Walk into the generator's own types; other types (strings, spans, descriptors) are leaves.
        if (type.Assembly != generatorAssembly || type.IsGenericParameter || !visited.Add(type))
        {
            return;
        }

        const BindingFlags Members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        foreach (var field in type.GetFields(Members))
        {
            Walk(field.FieldType, $"{path}.{field.Name}", generatorAssembly, visited, problems);
        }

        foreach (var property in type.GetProperties(Members))
        {
            Walk(property.PropertyType, $"{path}.{property.Name}", generatorAssembly, visited, problems);
        }
    }
}
