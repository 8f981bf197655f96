using System.Reflection;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Xunit.Abstractions;
using CecilMethodAttributes = Mono.Cecil.MethodAttributes;
using CecilTypeAttributes = Mono.Cecil.TypeAttributes;

namespace Mesh.Runtime.Tests.Architecture;

/// <summary>
/// The layering of Mesh.Runtime's namespaces, checked on the built assembly (see <see cref="NamespaceDependencies"/>
/// for what counts as a reference). The rules are the two tables below; change them there.
/// </summary>
/// <remarks>
/// Set <c>MESH_PRINT_DEPENDENCIES=1</c> to have <see cref="RuntimeNamespaces_DependencyMatrix_IsPrinted"/> also print
/// the full matrix to standard output; it always goes to the test's output
/// (<c>dotnet test --filter "FullyQualifiedName~Architecture" --logger "console;verbosity=detailed"</c>).
/// All tests here carry the trait <c>Category=Architecture</c>, so a run can leave them out with
/// <c>--filter "Category!=Architecture"</c> while the code is still moving towards the layering.
/// </remarks>
[Trait("Category", "Architecture")]
public sealed class ArchitectureTests(ITestOutputHelper output)
{
    private const string Root = "Mesh";
    private const string Transport = "Mesh.Transport";
    private const string Calls = "Mesh.Calls";
    private const string Dispatch = "Mesh.Dispatch";
    private const string Load = "Mesh.Load";
    private const string Balancing = "Mesh.Balancing";
    private const string Membership = "Mesh.Membership";
    private const string Hosting = "Mesh.Hosting";
    private const string Diagnostics = "Mesh.Diagnostics";
    private const string Serialization = "Mesh.Serialization";

    /// <summary>
    /// The target layering: each namespace of Mesh.Runtime, and the namespaces of Mesh.Runtime it must not
    /// reference. Every <c>Mesh</c> namespace of the assembly has a row (an empty one allows everything), so a new
    /// namespace fails <see cref="RuntimeNamespaces_AreExactlyThoseOfTheRuleTable"/> until it is placed here.
    /// Namespaces that tools generate (Orleans' <c>OrleansCodeGen.MeshRuntime</c>) are analysed but not placed.
    /// </summary>
    private static readonly Dictionary<string, string[]> MustNotReference = new(StringComparer.Ordinal)
    {
        [Transport] = [Calls, Dispatch, Load, Balancing, Membership, Hosting],
        [Load] = [Calls, Dispatch, Balancing, Membership, Hosting],
        [Balancing] = [Transport, Calls, Dispatch, Membership, Hosting],
        [Dispatch] = [Calls, Balancing, Membership, Hosting],
        [Calls] = [Membership, Hosting],
        [Membership] = [Hosting, Dispatch],
        [Serialization] = [Transport, Calls, Dispatch, Load, Balancing, Membership, Hosting],
        [Diagnostics] = [Transport, Calls, Dispatch, Load, Balancing, Membership, Hosting],
        [Hosting] = [],
        // Public options and extension methods: they reference everything and everything references them.
        [Root] = [],
    };

    /// <summary>The namespaces among which no cycle may exist: all but the root, which holds the public options.</summary>
    private static readonly string[] CycleChecked = [Transport, Calls, Dispatch, Load, Balancing, Membership, Hosting, Diagnostics, Serialization];

    private static readonly Lazy<NamespaceDependencies> Runtime =
        new(() => NamespaceDependencies.FromAssemblyFile(typeof(MeshOptions).Assembly.Location));

    [Fact]
    public void RuntimeNamespaces_ReferenceOnlyAllowedNamespaces()
    {
        var violations = DependencyRules.ForbiddenEdges(Runtime.Value, MustNotReference);

        if (violations.Count > 0)
        {
            Assert.Fail($"{violations.Count} forbidden namespace references in Mesh.Runtime:{Environment.NewLine}{string.Join(Environment.NewLine, violations)}");
        }
    }

    [Fact]
    public void RuntimeNamespaces_HaveNoCycles()
    {
        var dependencies = Runtime.Value;

        var cycles = DependencyRules.Cycles(dependencies, CycleChecked);

        if (cycles.Count > 0)
        {
            var described = cycles.Select(c => DependencyRules.DescribeCycle(dependencies, c));
            Assert.Fail($"{cycles.Count} namespace cycles in Mesh.Runtime (the root namespace '{Root}' left out):{Environment.NewLine}{string.Join(Environment.NewLine, described)}");
        }
    }

    [Fact]
    public void RuntimeNamespaces_AreExactlyThoseOfTheRuleTable()
    {
        var found = Runtime.Value.Namespaces.Where(n => n == Root || n.StartsWith($"{Root}.", StringComparison.Ordinal)).ToList();

        var unplaced = found.Except(MustNotReference.Keys, StringComparer.Ordinal).ToList();
        var stale = MustNotReference.Keys.Concat(MustNotReference.Values.SelectMany(v => v)).Concat(CycleChecked)
            .Distinct(StringComparer.Ordinal).Except(found, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        Assert.True(
            unplaced.Count == 0 && stale.Count == 0,
            $"Namespaces of Mesh.Runtime missing from the rule table: [{string.Join(", ", unplaced)}]; "
            + $"namespaces in the rule table that Mesh.Runtime no longer has: [{string.Join(", ", stale)}]");
    }

    /// <summary>The canary on the real assembly: an edge that exists today and under the target layering is seen.</summary>
    [Fact]
    public void RuntimeNamespaces_KnownEdge_IsDetected()
    {
        var dependencies = Runtime.Value;

        var edge = dependencies.Edge(Hosting, Transport);

        Assert.NotNull(edge);
        Assert.NotEmpty(edge.Evidence);
        Assert.All(edge.Evidence, e => Assert.StartsWith($"{Hosting}.", e.Member, StringComparison.Ordinal));
        Assert.All(edge.Evidence, e => Assert.StartsWith($"{Transport}.", e.ReferencedType, StringComparison.Ordinal));
        Assert.Contains(Transport, dependencies.Namespaces);
        Assert.DoesNotContain(dependencies.Edges, e => e.From == e.To);
    }

    /// <summary>
    /// The canary on an assembly built here: every kind of reference it holds is found and attributed to the right
    /// member, the rule check reports the forbidden one, and the cycle check finds the cycle.
    /// </summary>
    [Fact]
    public void Analysis_SyntheticAssemblyWithForbiddenEdgeAndCycle_ReportsBoth()
    {
        var dependencies = SyntheticAssembly.Analyse();

        Assert.Equal(["Canary.High", "Canary.Low", "Canary.Marked"], dependencies.Namespaces);
        Assert.Equal(
            [
                "Canary.High -> Canary.Low: Canary.High.Source.Run references Canary.Low.Sink",
                "Canary.Low -> Canary.High: Canary.Low.Back.Pull references Canary.High.Source",
                "Canary.Marked -> Canary.High: Canary.Marked.Tagged references Canary.High.Source",
                "Canary.Marked -> Canary.Low: Canary.Marked.Tagged references Canary.Low.MarkerAttribute",
            ],
            dependencies.Edges.SelectMany(e => e.Evidence.Select(x => $"{e}: {x}")).ToList());

        var violations = DependencyRules.ForbiddenEdges(
            dependencies,
            new Dictionary<string, string[]> { ["Canary.Low"] = ["Canary.High"], ["Canary.Marked"] = [] });
        var cycles = DependencyRules.Cycles(dependencies, dependencies.Namespaces);

        Assert.Equal(["Canary.Low -> Canary.High (1 reference): Canary.Low.Back.Pull references Canary.High.Source"], violations);
        var cycle = Assert.Single(cycles);
        Assert.Equal(["Canary.High", "Canary.Low"], cycle);
        Assert.Contains("e.g. Canary.High -> Canary.Low -> Canary.High", DependencyRules.DescribeCycle(dependencies, cycle), StringComparison.Ordinal);
    }

    [Fact]
    public void RuntimeNamespaces_DependencyMatrix_IsPrinted()
    {
        var matrix = Runtime.Value.FormatMatrix();

        output.WriteLine(matrix);
        if (Environment.GetEnvironmentVariable("MESH_PRINT_DEPENDENCIES") == "1")
        {
            Console.WriteLine(matrix);
        }

        Assert.NotEmpty(Runtime.Value.Edges);
    }

    /// <summary>
    /// A small assembly made with Cecil, written out and read back: <c>Canary.High.Source.Run</c> references
    /// <c>Canary.Low.Sink</c> only in its IL; <c>Canary.Low.Back</c> references <c>Canary.High.Source</c> only through
    /// the field of a compiler-generated state machine, as a generic argument's element type; <c>Canary.Marked.Tagged</c>
    /// references both through an attribute and its <c>typeof</c> argument; and a compiler-style top-level type in the
    /// global namespace references <c>Canary.Low.Sink</c> and must be ignored.
    /// </summary>
    private static class SyntheticAssembly
    {
        private const CecilTypeAttributes PublicClass = CecilTypeAttributes.Public | CecilTypeAttributes.Class | CecilTypeAttributes.BeforeFieldInit;
        private const CecilMethodAttributes ConstructorAttributes = CecilMethodAttributes.Public | CecilMethodAttributes.HideBySig
            | CecilMethodAttributes.SpecialName | CecilMethodAttributes.RTSpecialName;

        public static NamespaceDependencies Analyse()
        {
            using var stream = new MemoryStream();
            using (var assembly = Build())
            {
                assembly.Write(stream);
            }

            stream.Position = 0;
            using var read = AssemblyDefinition.ReadAssembly(stream);
            return NamespaceDependencies.FromModule(read.MainModule);
        }

        private static AssemblyDefinition Build()
        {
            var assembly = AssemblyDefinition.CreateAssembly(new AssemblyNameDefinition("Canary", new Version(1, 0)), "Canary", ModuleKind.Dll);
            var module = assembly.MainModule;
            var objectType = module.TypeSystem.Object;
            var systemType = module.ImportReference(typeof(Type));
            var attributeType = module.ImportReference(typeof(Attribute));
            var attributeConstructor = module.ImportReference(
                typeof(Attribute).GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes));

            var sink = Class(module, "Canary.Low", "Sink", objectType);
            var sinkConstructor = Constructor(module, sink, module.ImportReference(typeof(object).GetConstructor(Type.EmptyTypes)));

            var source = Class(module, "Canary.High", "Source", objectType);
            var run = new MethodDefinition("Run", CecilMethodAttributes.Public | CecilMethodAttributes.Static, module.TypeSystem.Void);
            var il = run.Body.GetILProcessor();
            il.Emit(OpCodes.Newobj, sinkConstructor);
            il.Emit(OpCodes.Pop);
            il.Emit(OpCodes.Ret);
            source.Methods.Add(run);

            var back = Class(module, "Canary.Low", "Back", objectType);
            var stateMachine = new TypeDefinition(string.Empty, "<Pull>d__0", CecilTypeAttributes.NestedPrivate | CecilTypeAttributes.Sealed, objectType);
            var list = new GenericInstanceType(module.ImportReference(typeof(List<>)));
            list.GenericArguments.Add(new ArrayType(source));
            stateMachine.Fields.Add(new FieldDefinition("<>2__current", Mono.Cecil.FieldAttributes.Private, list));
            back.NestedTypes.Add(stateMachine);

            var marker = Class(module, "Canary.Low", "MarkerAttribute", attributeType);
            var markerConstructor = Constructor(module, marker, attributeConstructor);
            markerConstructor.Parameters.Add(new ParameterDefinition("type", Mono.Cecil.ParameterAttributes.None, systemType));

            var tagged = Class(module, "Canary.Marked", "Tagged", objectType);
            var tag = new CustomAttribute(markerConstructor);
            tag.ConstructorArguments.Add(new CustomAttributeArgument(systemType, source));
            tagged.CustomAttributes.Add(tag);

            var generated = Class(module, string.Empty, "<PrivateImplementationDetails>", objectType);
            generated.Fields.Add(new FieldDefinition("Sink", Mono.Cecil.FieldAttributes.Public | Mono.Cecil.FieldAttributes.Static, sink));
            return assembly;
        }

        private static TypeDefinition Class(ModuleDefinition module, string ns, string name, TypeReference baseType)
        {
            var type = new TypeDefinition(ns, name, PublicClass, baseType);
            module.Types.Add(type);
            return type;
        }

        private static MethodDefinition Constructor(ModuleDefinition module, TypeDefinition type, MethodReference baseConstructor)
        {
            var constructor = new MethodDefinition(".ctor", ConstructorAttributes, module.TypeSystem.Void);
            var il = constructor.Body.GetILProcessor();
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, baseConstructor);
            il.Emit(OpCodes.Ret);
            type.Methods.Add(constructor);
            return constructor;
        }
    }
}
