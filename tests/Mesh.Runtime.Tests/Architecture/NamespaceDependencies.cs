using System.Globalization;
using System.Text;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Mesh.Runtime.Tests.Architecture;

/// <summary>One reference behind a namespace edge: a member (or type) of one namespace that uses a type of another.</summary>
internal sealed record DependencyEvidence(string Member, string ReferencedType)
{
    public override string ToString() => $"{Member} references {ReferencedType}";
}

/// <summary>
/// One edge between two namespaces of the analysed assembly, with every distinct (referencing member, referenced
/// type) pair behind it, sorted.
/// </summary>
internal sealed record NamespaceEdge(string From, string To, IReadOnlyList<DependencyEvidence> Evidence)
{
    public int Count => Evidence.Count;

    public override string ToString() => $"{From} -> {To}";
}

/// <summary>
/// Which namespaces of one assembly reference which other namespaces of the same assembly, read from its compiled
/// metadata and IL with Mono.Cecil (so what counts is what the compiler emitted, not what the sources say).
/// </summary>
/// <remarks>
/// A type belongs to the namespace of its top-level declaring type: nested types — including the compiler's
/// closures, lambda caches, async and iterator state machines — count for the namespace of the type they sit in.
/// A reference counts wherever it appears: base type, interfaces, generic parameters' constraints, fields,
/// properties, events, method signatures, overrides, locals, catch clauses, custom attributes (their type and
/// every type-valued argument) and every operand of every IL instruction. Array, pointer, by-ref, modifier,
/// function-pointer and generic-instance types are taken apart down to the types they are built from. Types of
/// other assemblies, and the compiler's own top-level types (embedded attributes,
/// <c>&lt;PrivateImplementationDetails&gt;</c>), are ignored. References inside one namespace are not edges.
/// </remarks>
internal sealed class NamespaceDependencies
{
    private readonly Dictionary<(string From, string To), NamespaceEdge> _edges;

    private NamespaceDependencies(IReadOnlyList<string> namespaces, Dictionary<(string From, string To), NamespaceEdge> edges)
    {
        Namespaces = namespaces;
        _edges = edges;
        Edges = [.. edges.Values.OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal)];
    }

    /// <summary>Every namespace that declares at least one (non compiler-generated) type, sorted.</summary>
    public IReadOnlyList<string> Namespaces { get; }

    /// <summary>Every edge between two different namespaces, sorted by source then target.</summary>
    public IReadOnlyList<NamespaceEdge> Edges { get; }

    public NamespaceEdge? Edge(string from, string to) => _edges.GetValueOrDefault((from, to));

    public IEnumerable<string> Targets(string from) => Edges.Where(e => e.From == from).Select(e => e.To);

    /// <summary>Reads the assembly file; its dependencies are resolved from its own folder and the running framework.</summary>
    public static NamespaceDependencies FromAssemblyFile(string path)
    {
        using var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        resolver.AddSearchDirectory(Path.GetDirectoryName(typeof(object).Assembly.Location)!);
        using var assembly = AssemblyDefinition.ReadAssembly(path, new ReaderParameters { AssemblyResolver = resolver });
        return FromModule(assembly.MainModule);
    }

    public static NamespaceDependencies FromModule(ModuleDefinition module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var collector = new Collector(module);
        foreach (var type in module.Types.Where(IsUserType))
        {
            collector.VisitTopLevel(type);
        }

        var namespaces = module.Types.Where(IsUserType).Select(t => t.Namespace).Distinct().Order(StringComparer.Ordinal).ToList();
        var edges = collector.Edges.ToDictionary(
            pair => pair.Key,
            pair => new NamespaceEdge(
                pair.Key.From,
                pair.Key.To,
                [.. pair.Value.OrderBy(e => e.Member, StringComparer.Ordinal).ThenBy(e => e.ReferencedType, StringComparer.Ordinal)]));
        return new NamespaceDependencies(namespaces, edges);
    }

    /// <summary>
    /// Every edge as "from -> to: N references to M types", then the same counts as a grid (rows reference
    /// columns). A reference is one distinct (referencing member, referenced type) pair.
    /// </summary>
    public string FormatMatrix()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Namespaces.Count} namespaces, {Edges.Count} edges (a reference is one distinct referencing member and referenced type):");
        foreach (var edge in Edges)
        {
            var types = edge.Evidence.Select(e => e.ReferencedType).Distinct().Order(StringComparer.Ordinal).ToList();
            text.AppendLine(
                CultureInfo.InvariantCulture,
                $"  {edge.From} -> {edge.To}: {Plural(edge.Count, "reference")} to {Plural(types.Count, "type")} ({string.Join(", ", types)})");
        }

        var connected = Namespaces.Where(n => Edges.Any(e => e.From == n || e.To == n)).ToList();
        var unconnected = Namespaces.Except(connected, StringComparer.Ordinal).ToList();
        var width = Math.Max(5, connected.Select(ShortName).DefaultIfEmpty(string.Empty).Max(n => n.Length)) + 1;
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Rows reference columns (namespaces without edges left out: [{string.Join(", ", unconnected)}]):");
        text.Append(string.Empty.PadRight(width));
        foreach (var name in connected.Select(ShortName))
        {
            text.Append(name.PadLeft(width));
        }

        text.AppendLine();
        foreach (var from in connected)
        {
            text.Append(ShortName(from).PadRight(width));
            foreach (var to in connected)
            {
                var cell = from == to ? "-" : Edge(from, to)?.Count.ToString(CultureInfo.InvariantCulture) ?? ".";
                text.Append(cell.PadLeft(width));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary><c>3 references</c>, <c>1 reference</c>.</summary>
    public static string Plural(int count, string noun)
        => string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    /// <summary><c>Mesh.Transport</c> → <c>Transport</c>; other namespaces, the root among them, as they are.</summary>
    private static string ShortName(string ns) => ns.StartsWith("Mesh.", StringComparison.Ordinal) ? ns["Mesh.".Length..] : ns;

    private static bool IsCompilerGenerated(TypeDefinition type)
        => type.Name.StartsWith('<')
            || type.CustomAttributes.Any(a => a.AttributeType.FullName is "System.Runtime.CompilerServices.CompilerGeneratedAttribute"
                or "Microsoft.CodeAnalysis.EmbeddedAttribute");

    /// <summary>A top-level type the source declared: not <c>&lt;Module&gt;</c> nor one the compiler added.</summary>
    private static bool IsUserType(TypeDefinition type) => type.DeclaringType is null && !IsCompilerGenerated(type);

    /// <summary><c>Name`2</c> → <c>Name</c>.</summary>
    private static string WithoutArity(string name)
    {
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }

    /// <summary>
    /// The source name hidden in a compiler-generated name: <c>&lt;SendAsync&gt;d__5</c> → <c>SendAsync</c>,
    /// <c>&lt;Run&gt;b__3_0</c> → <c>Run</c>; <c>&lt;&gt;c</c> and <c>&lt;&gt;c__DisplayClass5_0</c> → null.
    /// </summary>
    private static string? SourceNameOf(string generatedName)
    {
        if (!generatedName.StartsWith('<'))
        {
            return null;
        }

        var close = generatedName.IndexOf('>', StringComparison.Ordinal);
        if (close <= 1)
        {
            return null;
        }

        return MemberName(generatedName[1..close]);
    }

    private static string MemberName(string name) => name switch
    {
        ".ctor" => "#ctor",
        ".cctor" => "#cctor",
        _ => name,
    };

    /// <summary>Walks one module's types and records every reference that crosses a namespace.</summary>
    private sealed class Collector(ModuleDefinition module)
    {
        private readonly HashSet<string> _userTypes = module.Types.Where(IsUserType).Select(t => t.FullName).ToHashSet(StringComparer.Ordinal);
        private string _namespace = string.Empty;
        private string _member = string.Empty;

        public Dictionary<(string From, string To), HashSet<DependencyEvidence>> Edges { get; } = [];

        public void VisitTopLevel(TypeDefinition type)
        {
            _namespace = type.Namespace;
            var name = WithoutArity(type.Name);
            VisitType(type, type.Namespace.Length == 0 ? name : $"{type.Namespace}.{name}", hint: null, inGenerated: false);
        }

        /// <param name="type">The type to walk.</param>
        /// <param name="owner">How the nearest type the source declared is shown: <c>Ns.Outer.Inner</c>.</param>
        /// <param name="hint">For compiler-generated types, the source member they were made for, if their name says.</param>
        /// <param name="inGenerated">Whether <paramref name="type"/> was made by the compiler.</param>
        private void VisitType(TypeDefinition type, string owner, string? hint, bool inGenerated)
        {
            At(owner, inGenerated ? hint : null);
            VisitAttributes(type);
            Reference(type.BaseType);
            foreach (var implementation in type.Interfaces)
            {
                Reference(implementation.InterfaceType);
                VisitAttributes(implementation);
            }

            VisitGenericParameters(type);

            foreach (var field in type.Fields)
            {
                At(owner, Name(field.Name, hint, inGenerated));
                Reference(field.FieldType);
                VisitAttributes(field);
            }

            foreach (var property in type.Properties)
            {
                At(owner, Name(property.Name, hint, inGenerated));
                Reference(property.PropertyType);
                VisitParameters(property.Parameters);
                VisitAttributes(property);
            }

            foreach (var @event in type.Events)
            {
                At(owner, Name(@event.Name, hint, inGenerated));
                Reference(@event.EventType);
                VisitAttributes(@event);
            }

            foreach (var method in type.Methods)
            {
                At(owner, Name(MethodName(method), hint, inGenerated));
                VisitMethod(method);
            }

            foreach (var nested in type.NestedTypes)
            {
                if (IsCompilerGenerated(nested))
                {
                    VisitType(nested, owner, SourceNameOf(nested.Name) ?? hint, inGenerated: true);
                }
                else
                {
                    VisitType(nested, $"{owner}.{WithoutArity(nested.Name)}", hint: null, inGenerated: false);
                }
            }
        }

        /// <summary>Accessors are shown as their property or event; constructors as <c>#ctor</c>.</summary>
        private static string MethodName(MethodDefinition method)
        {
            if (method.IsGetter || method.IsSetter || method.IsAddOn || method.IsRemoveOn)
            {
                var underscore = method.Name.IndexOf('_', StringComparison.Ordinal);
                return underscore < 0 ? method.Name : method.Name[(underscore + 1)..];
            }

            return MemberName(method.Name);
        }

        /// <summary>
        /// A member's shown name: a compiler-generated one gives its source name (a backing field its property, a
        /// lambda its method); a member of a compiler-generated type gives the member that type was made for.
        /// </summary>
        private static string? Name(string name, string? hint, bool inGenerated)
        {
            var source = SourceNameOf(name);
            if (source is not null)
            {
                return source;
            }

            if (name.StartsWith('<') || inGenerated)
            {
                return hint;
            }

            return name;
        }

        private void At(string owner, string? member) => _member = member is null ? owner : $"{owner}.{member}";

        private void VisitMethod(MethodDefinition method)
        {
            VisitAttributes(method);
            Reference(method.ReturnType);
            VisitAttributes(method.MethodReturnType);
            VisitParameters(method.Parameters);
            VisitGenericParameters(method);
            foreach (var overridden in method.Overrides)
            {
                Reference(overridden);
            }

            if (!method.HasBody)
            {
                return;
            }

            var body = method.Body;
            foreach (var variable in body.Variables)
            {
                Reference(variable.VariableType);
            }

            foreach (var handler in body.ExceptionHandlers)
            {
                Reference(handler.CatchType);
            }

            foreach (var instruction in body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference type:
                        Reference(type);
                        break;
                    case MethodReference called:
                        Reference(called);
                        break;
                    case FieldReference field:
                        Reference(field.DeclaringType);
                        Reference(field.FieldType);
                        break;
                    case CallSite site:
                        Reference(site.ReturnType);
                        VisitParameters(site.Parameters);
                        break;
                    default:
                        break;
                }
            }
        }

        private void VisitParameters(IEnumerable<ParameterDefinition> parameters)
        {
            foreach (var parameter in parameters)
            {
                Reference(parameter.ParameterType);
                VisitAttributes(parameter);
            }
        }

        private void VisitGenericParameters(IGenericParameterProvider provider)
        {
            foreach (var parameter in provider.GenericParameters)
            {
                VisitAttributes(parameter);
                foreach (var constraint in parameter.Constraints)
                {
                    Reference(constraint.ConstraintType);
                    VisitAttributes(constraint);
                }
            }
        }

        private void VisitAttributes(ICustomAttributeProvider provider)
        {
            if (!provider.HasCustomAttributes)
            {
                return;
            }

            foreach (var attribute in provider.CustomAttributes)
            {
                Reference(attribute.Constructor);
                foreach (var argument in attribute.ConstructorArguments)
                {
                    VisitArgument(argument);
                }

                foreach (var named in attribute.Fields.Concat(attribute.Properties))
                {
                    VisitArgument(named.Argument);
                }
            }
        }

        /// <summary>An attribute argument's type, and its value when that is a type (<c>typeof(X)</c>), boxed or in an array.</summary>
        private void VisitArgument(CustomAttributeArgument argument)
        {
            Reference(argument.Type);
            switch (argument.Value)
            {
                case TypeReference type:
                    Reference(type);
                    break;
                case CustomAttributeArgument boxed:
                    VisitArgument(boxed);
                    break;
                case CustomAttributeArgument[] items:
                    foreach (var item in items)
                    {
                        VisitArgument(item);
                    }

                    break;
                default:
                    break;
            }
        }

        /// <summary>A method reference: its declaring type, its signature, and its generic arguments.</summary>
        private void Reference(MethodReference method)
        {
            if (method is GenericInstanceMethod instance)
            {
                foreach (var argument in instance.GenericArguments)
                {
                    Reference(argument);
                }

                Reference(instance.ElementMethod);
                return;
            }

            Reference(method.DeclaringType);
            Reference(method.ReturnType);
            foreach (var parameter in method.Parameters)
            {
                Reference(parameter.ParameterType);
            }
        }

        /// <summary>Takes a type apart down to the named types it is built from, and records those of this assembly.</summary>
        private void Reference(TypeReference? type)
        {
            switch (type)
            {
                case null:
                case GenericParameter:
                    return;
                case GenericInstanceType instance:
                    Reference(instance.ElementType);
                    foreach (var argument in instance.GenericArguments)
                    {
                        Reference(argument);
                    }

                    return;
                case FunctionPointerType pointer:
                    Reference(pointer.ReturnType);
                    foreach (var parameter in pointer.Parameters)
                    {
                        Reference(parameter.ParameterType);
                    }

                    return;
                case RequiredModifierType required:
                    Reference(required.ModifierType);
                    Reference(required.ElementType);
                    return;
                case OptionalModifierType optional:
                    Reference(optional.ModifierType);
                    Reference(optional.ElementType);
                    return;
                case TypeSpecification specification:
                    Reference(specification.ElementType);
                    return;
                default:
                    Record(type);
                    return;
            }
        }

        private void Record(TypeReference type)
        {
            if (!IsThisAssembly(type.Scope))
            {
                return;
            }

            var chain = new List<string> { type.Name };
            var topLevel = type;
            while (topLevel.DeclaringType is { } declaring)
            {
                topLevel = declaring;
                chain.Add(topLevel.Name);
            }

            if (!_userTypes.Contains(topLevel.FullName) || topLevel.Namespace == _namespace)
            {
                return;
            }

            // Outermost first, up to the first compiler-generated type: a closure shows as the type that holds it.
            chain.Reverse();
            var shown = string.Join('.', chain.TakeWhile(name => !name.StartsWith('<')).Select(WithoutArity));
            var shownType = topLevel.Namespace.Length == 0 ? shown : $"{topLevel.Namespace}.{shown}";
            var key = (_namespace, topLevel.Namespace);
            if (!Edges.TryGetValue(key, out var evidence))
            {
                Edges[key] = evidence = [];
            }

            evidence.Add(new DependencyEvidence(_member, shownType));
        }

        private bool IsThisAssembly(IMetadataScope scope) => scope switch
        {
            ModuleDefinition definition => definition == module,
            AssemblyNameReference name => module.Assembly is { } assembly && name.Name == assembly.Name.Name,
            _ => false,
        };
    }
}

/// <summary>Checks a <see cref="NamespaceDependencies"/> against a table of forbidden edges and for cycles.</summary>
internal static class DependencyRules
{
    /// <summary>
    /// One line per forbidden edge present, with its count and up to <paramref name="examples"/> of the references
    /// behind it: <c>A -> B (3 references): A.X.M references B.Y; ...</c>.
    /// </summary>
    public static IReadOnlyList<string> ForbiddenEdges(
        NamespaceDependencies dependencies,
        IReadOnlyDictionary<string, string[]> mustNotReference,
        int examples = 3)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        ArgumentNullException.ThrowIfNull(mustNotReference);
        return
        [
            .. dependencies.Edges
                .Where(e => mustNotReference.TryGetValue(e.From, out var forbidden) && forbidden.Contains(e.To, StringComparer.Ordinal))
                .Select(e => Describe(e, examples)),
        ];
    }

    /// <summary>An edge with its count and its first few references.</summary>
    public static string Describe(NamespaceEdge edge, int examples)
    {
        ArgumentNullException.ThrowIfNull(edge);
        var shown = string.Join("; ", edge.Evidence.Take(examples));
        var more = edge.Count > examples ? $"; … and {edge.Count - examples} more" : string.Empty;
        return $"{edge.From} -> {edge.To} ({NamespaceDependencies.Plural(edge.Count, "reference")}): {shown}{more}";
    }

    /// <summary>
    /// The strongly connected components with more than one namespace (each one is a cycle, or several) among
    /// <paramref name="nodes"/>, considering only edges between them; each sorted, and sorted by first member.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Cycles(NamespaceDependencies dependencies, IEnumerable<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        var included = nodes.ToHashSet(StringComparer.Ordinal);
        var successors = included.ToDictionary(
            n => n,
            n => dependencies.Targets(n).Where(included.Contains).ToList(),
            StringComparer.Ordinal);

        // Tarjan's algorithm; the graph has a dozen nodes, so recursion is fine.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<IReadOnlyList<string>>();

        void Connect(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in successors[node])
            {
                if (!index.ContainsKey(next))
                {
                    Connect(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }

            if (low[node] != index[node])
            {
                return;
            }

            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            }
            while (member != node);

            if (component.Count > 1)
            {
                component.Sort(StringComparer.Ordinal);
                components.Add(component);
            }
        }

        foreach (var node in included.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Connect(node);
            }
        }

        return [.. components.OrderBy(c => c[0], StringComparer.Ordinal)];
    }

    /// <summary>
    /// A cycle component as text: its namespaces, one shortest cycle through its first namespace, and every edge
    /// inside it with an example reference.
    /// </summary>
    public static string DescribeCycle(NamespaceDependencies dependencies, IReadOnlyList<string> component)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        ArgumentNullException.ThrowIfNull(component);
        var members = component.ToHashSet(StringComparer.Ordinal);
        var inside = dependencies.Edges.Where(e => members.Contains(e.From) && members.Contains(e.To)).ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Cycle among {string.Join(", ", component)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  e.g. {string.Join(" -> ", ShortestCycle(component[0], inside))}");
        foreach (var edge in inside)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {Describe(edge, examples: 1)}");
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>Breadth-first from <paramref name="start"/> back to itself over <paramref name="edges"/>.</summary>
    private static List<string> ShortestCycle(string start, List<NamespaceEdge> edges)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>([start]);
        while (queue.TryDequeue(out var node))
        {
            foreach (var next in edges.Where(e => e.From == node).Select(e => e.To))
            {
                if (next == start)
                {
                    var path = new List<string> { start };
                    for (var at = node; at != start; at = previous[at])
                    {
                        path.Add(at);
                    }

                    path.Add(start);
                    path.Reverse();
                    return path;
                }

                if (previous.TryAdd(next, node))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return [start];
    }
}
