namespace Mesh.Generators.Tests;

/// <summary>The interfaces the tests run the generator on.</summary>
internal static class TestSources
{
    /// <summary>Every supported shape: the Calculator baseline.</summary>
    public const string Calculator = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Mesh;

        namespace Sample;

        /// <summary>A point.</summary>
        /// <param name="X">Abscissa.</param>
        /// <param name="Y">Ordinate.</param>
        [Orleans.GenerateSerializer]
        public sealed record Point(int X, int Y);

        /// <summary>Administration of a service.</summary>
        public interface IAdministration
        {
            /// <summary>Checks the service is alive.</summary>
            Task PingAsync(CancellationToken cancellationToken);
        }

        /// <summary>A calculator.</summary>
        [BalancedService]
        public interface ICalculator : IAdministration
        {
            /// <summary>Adds two numbers.</summary>
            Task<int> AddAsync(int a, int b, CancellationToken cancellationToken);

            /// <summary>Adds three numbers.</summary>
            Task<int> AddAsync(int a, int b, int c);

            /// <summary>Forgets everything.</summary>
            Task ResetAsync();

            /// <summary>Clears the memory.</summary>
            ValueTask ClearAsync(CancellationToken cancellationToken = default);

            /// <summary>The origin.</summary>
            [Idempotent]
            ValueTask<Point> GetOriginAsync();

            /// <summary>A weighted sum.</summary>
            Task<double> SumAsync(IReadOnlyList<double> values, int[] weights, CancellationToken cancellationToken);

            /// <summary>Greets someone.</summary>
            ValueTask<string?> GreetAsync(string name, string greeting = "Hello", int times = 1, DayOfWeek day = DayOfWeek.Monday, string? suffix = null);

            /// <summary>Parameter names that clash with generated locals.</summary>
            Task SendAsync(string @event, int request, params string[] tags);
        }
        """;

    /// <summary>A service in the global namespace with a custom name, a nested one and an empty one.</summary>
    public const string GlobalNamespaceService = """
        using System.Threading.Tasks;
        using Mesh;

        /// <summary>Stock.</summary>
        [BalancedService(Name = "inventory")]
        internal interface IInventory
        {
            /// <summary>Counts items.</summary>
            Task<int> CountAsync(string sku);
        }
        """;

    /// <summary>The nested and the empty service, with <see cref="GlobalNamespaceService"/>.</summary>
    public const string NestedService = """
        using System;
        using System.Threading.Tasks;
        using Mesh;

        namespace Shop.Orders
        {
            /// <summary>Holds the order services.</summary>
            public static class Ordering
            {
                /// <summary>Orders.</summary>
                [BalancedService]
                public interface IOrders
                {
                    /// <summary>Places an order.</summary>
                    Task PlaceAsync(Guid id, decimal amount = 1.5m);
                }
            }

            /// <summary>Nothing to call yet.</summary>
            [BalancedService]
            internal interface IEmpty
            {
            }
        }
        """;

    /// <summary>Implements <see cref="Calculator"/> and calls it through the generated proxy and dispatcher.</summary>
    public const string CalculatorRoundTrip = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Mesh.Invocation;

        namespace Sample;

        internal sealed class Calculator : ICalculator
        {
            public List<string> Log { get; } = [];

            public Task PingAsync(CancellationToken cancellationToken) { Log.Add("ping"); return Task.CompletedTask; }

            public Task<int> AddAsync(int a, int b, CancellationToken cancellationToken) => Task.FromResult(a + b);

            public Task<int> AddAsync(int a, int b, int c) => Task.FromResult(a + b + c);

            public Task ResetAsync() { Log.Add("reset"); return Task.CompletedTask; }

            public ValueTask ClearAsync(CancellationToken cancellationToken = default) { Log.Add("clear"); return default; }

            public ValueTask<Point> GetOriginAsync() => new(new Point(0, 0));

            public Task<double> SumAsync(IReadOnlyList<double> values, int[] weights, CancellationToken cancellationToken)
                => Task.FromResult(values.Select((value, i) => value * weights[i]).Sum());

            public ValueTask<string?> GreetAsync(string name, string greeting = "Hello", int times = 1, DayOfWeek day = DayOfWeek.Monday, string? suffix = null)
                => new($"{string.Join(" ", Enumerable.Repeat(greeting, times))} {name} on {day}{suffix}");

            public Task SendAsync(string @event, int request, params string[] tags) { Log.Add($"{@event}/{request}/{string.Join(",", tags)}"); return Task.CompletedTask; }
        }

        internal sealed class LoopbackInvoker(ICalculator target, ServiceDefinition<ICalculator> definition) : IMeshInvoker
        {
            public List<string> Calls { get; } = [];

            public OutgoingRequest CreateRequest(MeshMethod method) => new Outgoing(method);

            public async ValueTask InvokeAsync(OutgoingRequest request, CancellationToken cancellationToken)
                => await DispatchAsync(request, cancellationToken);

            public async ValueTask<TResult> InvokeAsync<TResult>(OutgoingRequest request, CancellationToken cancellationToken)
                => (TResult)(await DispatchAsync(request, cancellationToken))!;

            private async ValueTask<object?> DispatchAsync(OutgoingRequest request, CancellationToken cancellationToken)
            {
                var outgoing = (Outgoing)request;
                Calls.Add($"{outgoing.Method}{(outgoing.Method.IsIdempotent ? "!" : "")}");
                var incoming = new Incoming(outgoing.Method.Id, outgoing.Arguments);
                await definition.DispatchAsync(target, incoming, cancellationToken);
                return incoming.Result;
            }
        }

        internal sealed class Outgoing(MeshMethod method) : OutgoingRequest
        {
            public List<object?> Arguments { get; } = [];

            public override MeshMethod Method => method;

            public override void WriteArgument<T>(T value) => Arguments.Add(value);

            public override void Dispose()
            {
            }
        }

        internal sealed class Incoming(uint methodId, List<object?> arguments) : IncomingRequest
        {
            private int _next;

            public object? Result { get; private set; }

            public override uint MethodId => methodId;

            public override T ReadArgument<T>() => (T)arguments[_next++]!;

            public override T ReadArgumentOrDefault<T>(T defaultValue) => _next < arguments.Count ? (T)arguments[_next++]! : defaultValue;

            public override void WriteResult<T>(T value) => Result = value;
        }

        /// <summary>Called by the test through reflection.</summary>
        public static class RoundTrip
        {
            /// <summary>Makes calls through the proxy and describes what happened.</summary>
            public static async Task<string> RunAsync()
            {
                var definition = MeshServiceRegistry.Get<ICalculator>();
                var calculator = new Calculator();
                var invoker = new LoopbackInvoker(calculator, definition);
                var proxy = definition.CreateProxy(invoker);
                var results = new List<string>
                {
                    (await proxy.AddAsync(2, 3, CancellationToken.None)).ToString(),
                    (await proxy.AddAsync(1, 2, 3)).ToString(),
                    (await proxy.GetOriginAsync()).ToString(),
                    (await proxy.SumAsync([1.5, 2], [2, 3], CancellationToken.None)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    (await proxy.GreetAsync("Ada", "Hi", 2, DayOfWeek.Friday, "!"))!,
                };
                await proxy.PingAsync(CancellationToken.None);
                await proxy.ResetAsync();
                await proxy.ClearAsync();
                await proxy.SendAsync("created", 7, "a", "b");

                // An older caller that does not send the parameters with default values.
                var greet = definition.Methods.Single(method => method.Name == "GreetAsync");
                var old = new Incoming(greet.Id, ["Bob"]);
                await definition.DispatchAsync(calculator, old, CancellationToken.None);
                results.Add((string)old.Result!);

                try
                {
                    await definition.DispatchAsync(calculator, new Incoming(0xDEADBEEF, []), CancellationToken.None);
                    results.Add("no exception");
                }
                catch (Mesh.UnknownMethodException exception)
                {
                    results.Add($"unknown {exception.ServiceName} {exception.MethodId:x8}");
                }

                return string.Join("|", results.Concat(calculator.Log).Concat(invoker.Calls));
            }
        }
        """;

    /// <summary>Default values of every kind, keywords, tuples, diamonds and default implementations.</summary>
    public const string UnusualShapes = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Mesh;

        namespace @namespace.Sample;

        /// <summary>Flags.</summary>
        [Flags]
        public enum Access
        {
            /// <summary>None.</summary>
            None = 0,

            /// <summary>Read.</summary>
            Read = 1,

            /// <summary>Write.</summary>
            Write = 2,
        }

        /// <summary>Root.</summary>
        public interface IRoot
        {
            /// <summary>Root.</summary>
            Task Root();

            /// <summary>Implemented by a derived interface.</summary>
            Task Implemented();
        }

        /// <summary>Left.</summary>
        public interface ILeft : IRoot
        {
            /// <summary>Left overrides it.</summary>
            Task IRoot.Implemented() => Task.CompletedTask;
        }

        /// <summary>Right.</summary>
        public interface IRight : IRoot
        {
        }

        /// <summary>Shapes.</summary>
        [BalancedService(Name = "shapes \"quoted\" \u00e9")]
        public interface IShapes : ILeft, IRight
        {
            /// <summary>Defaults.</summary>
            ValueTask<long> Defaults(
                long a = -9223372036854775808L,
                ulong b = 18446744073709551615UL,
                uint c = 4294967295U,
                short d = -3,
                byte e = 255,
                sbyte f = -128,
                char g = '\'',
                bool h = true,
                float i = float.NaN,
                double j = -1.5e300,
                double k = double.NegativeInfinity,
                decimal l = -79228162514264337593543950335m,
                Access m = Access.Read | Access.Write,
                Access n = Access.Write,
                Access? o = Access.Read,
                int? p = 5,
                DateTime q = default,
                string r = "line\nbreak \"quoted\" \u00e9",
                object? s = null,
                int[]? t = null,
                CancellationToken cancellationToken = default);

            /// <summary>A keyword name.</summary>
            Task<int> @class(int @int, string @string);

            /// <summary>Tuples and nullable value types.</summary>
            Task<(int Count, string? Name)> Pair((int Count, string Name) pair, int? limit, List<string?> names);

            /// <summary>Locals of the dispatcher as parameter names.</summary>
            ValueTask<int> Put(int target, int result, int cancellationToken, int exception);

            /// <summary>Returns a nullable result.</summary>
            Task<Dictionary<string, int?>?> Find(string key);

            /// <summary>Another method.</summary>
            Task Other();
        }
        """;

    /// <summary>A service declared without nullable annotations.</summary>
    public const string ObliviousService = """
        #nullable disable
        using System.Threading.Tasks;
        using Mesh;

        namespace Legacy;

        /// <summary>Old.</summary>
        [BalancedService]
        public interface ILegacy
        {
            /// <summary>Finds.</summary>
            Task<string> Find(string key, string fallback = null);
        }
        """;
}
