using Mesh.Generators.Model;

namespace Mesh.Generators.Tests;

public sealed class StreamShapeTests
{
    private const string Source = """
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Threading;
        using System.Threading.Tasks;
        using Mesh;

        namespace Sample;

        /// <summary>A feed.</summary>
        [Orleans.GenerateSerializer]
        public sealed record Tick(int Sequence, double Price);

        /// <summary>Streams.</summary>
        [BalancedService]
        public interface IFeed
        {
            /// <summary>Ticks of a symbol.</summary>
            IAsyncEnumerable<Tick> Ticks(string symbol, int start, CancellationToken cancellationToken = default);

            /// <summary>Numbers, no token.</summary>
            IAsyncEnumerable<int> Numbers(int count);

            /// <summary>A unary method next to them.</summary>
            Task<int> Count(string symbol);
        }

        internal sealed class Feed : IFeed
        {
            public async IAsyncEnumerable<Tick> Ticks(string symbol, int start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                await Task.Yield();
                yield return new Tick(start, 1.0);
            }

            public async IAsyncEnumerable<int> Numbers(int count)
            {
                await Task.Yield();
                yield return count;
            }

            public Task<int> Count(string symbol) => Task.FromResult(1);
        }
        """;

    [Fact]
    public void Generate_StreamMethods_AcceptedAndCompileWithoutWarnings()
    {
        var outcome = GeneratorHarness.Run(Source);

        Assert.Empty(outcome.MeshDiagnostics);
        Assert.Equal(4, outcome.GeneratedSources.Length);
        Assert.Empty(outcome.OutputWarningsAndErrors());
    }

    [Fact]
    public void Parse_StreamMethod_ModelsItemTypeAsResult()
    {
        var outcome = GeneratorHarness.Run(Source);

        var methods = GeneratorHarness.GetServiceModels(outcome.Result).Single().Methods.ToDictionary(method => method.Name);
        Assert.Equal(ReturnKind.AsyncEnumerable, methods["Ticks"].ReturnKind);
        Assert.Equal("global::Sample.Tick", methods["Ticks"].ResultTypeName);
        Assert.Equal("cancellationToken", methods["Ticks"].CancellationTokenIdentifier);
        Assert.Equal(ReturnKind.AsyncEnumerable, methods["Numbers"].ReturnKind);
        Assert.Equal(ReturnKind.TaskOfT, methods["Count"].ReturnKind);
    }

    [Fact]
    public void Generate_StreamMethod_ProxyOpensStreamAndDispatcherWritesIt()
    {
        var outcome = GeneratorHarness.Run(Source);

        var proxy = outcome.GeneratedSources.Single(source => source.HintName.EndsWith("Proxy.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        var dispatcher = outcome.GeneratedSources.Single(source => source.HintName.EndsWith("Dispatcher.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("this._invoker.InvokeStreamAsync<global::Sample.Tick>(request, cancellationToken)", proxy, StringComparison.Ordinal);
        Assert.Contains("this._invoker.InvokeStreamAsync<int>(request, default)", proxy, StringComparison.Ordinal);
        Assert.True(dispatcher.Contains("request.WriteStreamAsync<global::Sample.Tick>(target.Ticks(symbol, start, cancellationToken), cancellationToken)", StringComparison.Ordinal), dispatcher);
    }
}
