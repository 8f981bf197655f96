using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Mesh.Generators.Benchmarks;

/// <summary>
/// A project of <see cref="ServiceCount"/> files, each with one <c>[BalancedService]</c> interface of several
/// shapes (overloads, defaults, params, a closed generic base, a trailing token), its payload record and a
/// class with method bodies that edits touch.
/// </summary>
internal static class SyntheticProject
{
    public const int ServiceCount = 50;

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly CSharpCompilationOptions Options = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        concurrentBuild: false);

    public static CSharpCompilation Create()
    {
        var trees = new List<SyntaxTree> { Parse(Shared, "Shared.cs") };
        for (var i = 0; i < ServiceCount; i++)
        {
            trees.Add(Parse(ServiceFile(i, bodyVariant: 0, extraMethod: false), FileName(i)));
        }

        return CSharpCompilation.Create("Synthetic", trees, References(), Options);
    }

    public static string FileName(int index) => $"Service{index:00}.cs";

    public static SyntaxTree Parse(string text, string path) => CSharpSyntaxTree.ParseText(text, ParseOptions, path);

    /// <summary>The source of service file <paramref name="index"/>, with a method body and the interface as given.</summary>
    public static string ServiceFile(int index, int bodyVariant, bool extraMethod)
    {
        var n = index.ToString("00", CultureInfo.InvariantCulture);
        var source = new StringBuilder();
        source.Append(CultureInfo.InvariantCulture, $$"""
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Mesh;

            namespace Synthetic.Area{{index % 5}};

            public sealed record Payload{{n}}(int Id, string Name, List<string> Tags);

            internal sealed class Helper{{n}}
            {
                public int Compute(int value)
                {
                    return value * {{bodyVariant + 2}} + {{index}};
                }
            }

            [BalancedService]
            public interface IService{{n}} : Synthetic.IReader<Payload{{n}}>
            {
                Task<Payload{{n}}> Get(int id, CancellationToken cancellationToken = default);
                Task<Payload{{n}}> Get(string name);
                ValueTask Put(Payload{{n}} payload);
                [Idempotent] ValueTask<int> Count(params string[] tags);
                Task<Dictionary<string, int>> Totals(List<int> ids, int? limit = null, string mode = "all");
                Task Ping();
            """);
        if (extraMethod)
        {
            source.AppendLine("    Task<long> Added(long value);");
        }

        source.AppendLine("}");
        return source.ToString();
    }

    private const string Shared = """
        using System.Threading.Tasks;

        namespace Synthetic;

        public interface IReader<T>
        {
            Task<T?> Read(int id);
        }
        """;

    private static ImmutableArray<MetadataReference> References()
    {
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal))
            .Append(typeof(BalancedServiceAttribute).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}
