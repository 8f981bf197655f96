using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Mesh.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Mesh.Generators;

/// <summary>
/// Turns a <c>[BalancedService]</c> interface into a <see cref="ServiceModel"/>, or into the diagnostics
/// that say why it cannot be one. This is the only place that looks at symbols: everything it returns is
/// plain, comparable data.
/// </summary>
internal static class Parser
{
    public const string BalancedServiceAttributeMetadataName = "Mesh.BalancedServiceAttribute";

    /// <summary>How generated code writes a type: <c>global::System.Collections.Generic.List&lt;string?&gt;</c>.</summary>
    private static readonly SymbolDisplayFormat TypeNameFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>
    /// How a parameter type is written in a method signature, the input of the method id: fully qualified
    /// without <c>global::</c>, with CLR type names instead of C# keywords, without nullable reference
    /// annotations, and tuples as <c>System.ValueTuple&lt;...&gt;</c> (element names are not part of the
    /// type). For example <c>System.Int32</c>, <c>System.String</c>, <c>System.Int32[]</c>,
    /// <c>System.Int32?</c>, <c>System.Collections.Generic.Dictionary&lt;System.String, System.Int32&gt;</c>.
    /// </summary>
    private static readonly SymbolDisplayFormat SignatureTypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted)
        .RemoveMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes)
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.ExpandValueTuple);

    /// <summary>How diagnostics name a method: <c>Sample.ICalculator.AddAsync(int, int)</c>.</summary>
    private static readonly SymbolDisplayFormat MessageFormat = SymbolDisplayFormat.CSharpErrorMessageFormat;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        => Parse(
            (INamedTypeSymbol)context.TargetSymbol,
            context.Attributes.FirstOrDefault(),
            ((TypeDeclarationSyntax)context.TargetNode).Identifier.GetLocation(),
            cancellationToken);

    /// <summary>
    /// Parses a type marked <c>[BalancedService]</c> (<paramref name="attribute"/>) whose declaration's name
    /// is at <paramref name="location"/>; the generator and <see cref="BalancedServiceAnalyzer"/> share it.
    /// </summary>
    public static ParseResult Parse(INamedTypeSymbol type, AttributeData? attribute, Location location, CancellationToken cancellationToken)
    {
        if (type.TypeKind != TypeKind.Interface)
        {
            // The compiler reports CS0592 too; this one says what to do instead.
            var diagnostic = DiagnosticInfo.Create(
                DiagnosticDescriptors.NotAnInterface,
                location,
                type.ToDisplayString(MessageFormat),
                GetTypeKindText(type));
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>([diagnostic]));
        }

        var parser = new ServiceParser(type, location, cancellationToken);
        return parser.Parse(attribute);
    }

    /// <summary>The wire name and location of a service interface; <see langword="null"/> for other types.</summary>
    public static ServiceIdentity? ParseIdentity(INamedTypeSymbol type, AttributeData? attribute, Location location)
    {
        if (type is not { TypeKind: TypeKind.Interface } service)
        {
            return null;
        }

        var name = ReadExplicitServiceName(attribute);
        var defaultName = Naming.GetDefaultServiceName(service);
        return new ServiceIdentity(
            name is null || name.Trim().Length == 0 ? defaultName : name,
            Naming.GetMetadataName(service),
            defaultName,
            LocationInfo.From(location));
    }

    /// <summary>The <c>Name</c> set on <c>[BalancedService]</c>, if any.</summary>
    private static string? ReadExplicitServiceName(AttributeData? attribute)
    {
        if (attribute is not null)
        {
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Name" && argument.Value.Value is string name)
                {
                    return name;
                }
            }
        }

        return null;
    }

    private static string GetTypeKindText(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "a record struct",
        { IsRecord: true } => "a record",
        { TypeKind: TypeKind.Struct } => "a struct",
        { TypeKind: TypeKind.Class } => "a class",
        _ => "not an interface",
    };

    /// <summary>
    /// The method id of a method: the FNV-1a hash (<see cref="Fnv1a"/>, the same as
    /// <c>Mesh.StableHash.Compute</c>) of the UTF-8 bytes of its signature string.
    /// </summary>
    /// <remarks>
    /// The signature string is the method's name followed by its parameter types in parentheses,
    /// separated by ',' without spaces, leaving out a trailing <c>CancellationToken</c> and the appended
    /// parameters (the trailing parameters with a default value, see
    /// <see cref="GetFirstAppendedParameter"/>); each type is
    /// written as described for <see cref="SignatureTypeFormat"/>. For example
    /// <c>Task&lt;int&gt; Add(int a, int b, CancellationToken cancellationToken)</c> has the signature
    /// <c>Add(System.Int32,System.Int32)</c>. The id therefore depends neither on the declaration order of
    /// the methods nor on parameter names, return types or nullable annotations: those can change without
    /// breaking running peers, while renaming a method or changing a parameter type changes its id.
    /// </remarks>
    public static uint ComputeMethodId(string signature) => Fnv1a.Compute(signature);

    private sealed class ServiceParser
    {
        private readonly INamedTypeSymbol _service;
        private readonly Location _interfaceLocation;
        private readonly CancellationToken _cancellationToken;
        private readonly Dictionary<ITypeSymbol, string> _typeNames = new(SymbolEqualityComparer.IncludeNullability);
        private readonly Dictionary<ITypeSymbol, string> _signatureTypeNames = new(SymbolEqualityComparer.Default);
        private string? _serviceDisplayName;
        private readonly List<DiagnosticInfo> _diagnostics = [];
        private readonly SortedSet<string> _experimentalIds = new(StringComparer.Ordinal);
        private bool _hasErrors;
        private bool _isKeyed;

        public ServiceParser(INamedTypeSymbol service, Location interfaceLocation, CancellationToken cancellationToken)
        {
            _service = service;
            _interfaceLocation = interfaceLocation;
            _cancellationToken = cancellationToken;
        }

        public ParseResult Parse(AttributeData? attribute)
        {
            CheckInterface();
            _isKeyed = KeyChecks.IsKeyed(attribute);
            var serviceName = ReadServiceName(attribute);
            var methods = ParseMethods();
            if (!_hasErrors && methods.Count == 0)
            {
                // A warning: the service still generates (it registers and links), but cannot be called.
                Report(DiagnosticDescriptors.EmptyService, _interfaceLocation, ServiceDisplayName);
            }

            if (_hasErrors)
            {
                return new ParseResult(null, new EquatableArray<DiagnosticInfo>(_diagnostics));
            }

            CollectExperimentalIds(_service);

            var model = new ServiceModel(
                InterfaceTypeName: _service.ToDisplayString(TypeNameFormat),
                MetadataName: Naming.GetMetadataName(_service),
                ServiceName: serviceName,
                GeneratedNamespace: Naming.GetGeneratedNamespace(_service),
                IsPublic: IsPublic(_service),
                TypeNameStem: Naming.GetTypeNameStem(_service),
                Methods: new EquatableArray<MethodModel>(methods),
                ExperimentalDiagnosticIds: new EquatableArray<string>(_experimentalIds));
            return new ParseResult(model, new EquatableArray<DiagnosticInfo>(_diagnostics));
        }

        private static bool IsPublic(INamedTypeSymbol service)
        {
            for (var type = service; type is not null; type = type.ContainingType)
            {
                if (type.DeclaredAccessibility != Accessibility.Public)
                {
                    return false;
                }
            }

            return true;
        }

        private void CheckInterface()
        {
            for (var type = _service; type is not null; type = type.ContainingType)
            {
                if (IsObsoleteAsError(type))
                {
                    Report(DiagnosticDescriptors.ObsoleteAsError, _interfaceLocation, type.ToDisplayString(MessageFormat));
                    break;
                }
            }

            foreach (var baseInterface in _service.AllInterfaces)
            {
                if (IsDisposableInterface(baseInterface))
                {
                    Report(DiagnosticDescriptors.DisposableService, _interfaceLocation, ServiceDisplayName, baseInterface.ToDisplayString(MessageFormat));
                }
            }

            for (var type = _service; type is not null; type = type.ContainingType)
            {
                if (type.TypeParameters.Length > 0)
                {
                    Report(DiagnosticDescriptors.GenericInterface, _interfaceLocation, ServiceDisplayName);
                    break;
                }
            }

            for (var type = _service; type is not null; type = type.ContainingType)
            {
                var problem = type.IsFileLocal ? "file-local" : type.DeclaredAccessibility switch
                {
                    Accessibility.Private => "private",
                    Accessibility.Protected => "protected",
                    Accessibility.ProtectedAndInternal => "private protected",
                    _ => null,
                };
                if (problem is not null)
                {
                    var reason = SymbolEqualityComparer.Default.Equals(type, _service)
                        ? problem
                        : $"nested in the {problem} type '{type.ToDisplayString(MessageFormat)}'";
                    Report(DiagnosticDescriptors.InaccessibleInterface, _interfaceLocation, ServiceDisplayName, reason);
                    break;
                }
            }
        }

        private string ReadServiceName(AttributeData? attribute)
        {
            var name = ReadExplicitServiceName(attribute);
            if (name is null)
            {
                return Naming.GetDefaultServiceName(_service);
            }

            if (name.Trim().Length == 0)
            {
                var location = attribute!.ApplicationSyntaxReference?.GetSyntax(_cancellationToken).GetLocation();
                Report(DiagnosticDescriptors.EmptyServiceName, location ?? _interfaceLocation, ServiceDisplayName);
            }

            return name;
        }

        private List<MethodModel> ParseMethods()
        {
            var methods = new List<MethodModel>();
            var stems = new HashSet<string>(StringComparer.Ordinal);
            var methodsById = new Dictionary<uint, IMethodSymbol>();

            foreach (var type in GetInterfaces())
            {
                var isInherited = !SymbolEqualityComparer.Default.Equals(type, _service);
                var declaringTypeName = type.ToDisplayString(TypeNameFormat);
                foreach (var member in type.GetMembers())
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (!IsRemoteMethod(member, isInherited))
                    {
                        continue;
                    }

                    var method = (IMethodSymbol)member;
                    var model = ParseMethod(method, isInherited, declaringTypeName, stems);
                    if (model is null)
                    {
                        continue;
                    }

                    if (methodsById.TryGetValue(model.Id, out var other))
                    {
                        Report(
                            DiagnosticDescriptors.DuplicateMethodId,
                            GetLocation(method),
                            other.ToDisplayString(MessageFormat),
                            method.ToDisplayString(MessageFormat),
                            ServiceDisplayName,
                            model.Id.ToString("x8", CultureInfo.InvariantCulture));
                        continue;
                    }

                    methodsById.Add(model.Id, method);
                    methods.Add(model);
                }
            }

            return methods;
        }

        /// <summary>The service interface first, then its base interfaces.</summary>
        private IEnumerable<INamedTypeSymbol> GetInterfaces()
        {
            yield return _service;
            foreach (var type in _service.AllInterfaces)
            {
                // Reported once for the interface (MESH0016), not once more for Dispose/DisposeAsync.
                if (!IsDisposableInterface(type))
                {
                    yield return type;
                }
            }
        }

        /// <summary>
        /// Whether the proxy must implement <paramref name="member"/> by a remote call. Members with a
        /// default implementation, static members, fields and nested types are left alone; abstract
        /// members that are not plain methods are reported.
        /// </summary>
        private bool IsRemoteMethod(ISymbol member, bool isInherited)
        {
            if (!member.IsAbstract)
            {
                return false;
            }

            if (isInherited && _service.FindImplementationForInterfaceMember(member) is not null)
            {
                // A more derived interface implements it (a default implementation).
                return false;
            }

            string? kind = member switch
            {
                IMethodSymbol { AssociatedSymbol: not null } => null, // accessors: the property or event is reported
                _ when member.IsStatic => "a static abstract member",
                IMethodSymbol { MethodKind: MethodKind.Ordinary } => null,
                IMethodSymbol => "an explicitly re-abstracted method",
                IPropertySymbol { IsIndexer: true } => "an indexer",
                IPropertySymbol => "a property",
                IEventSymbol => "an event",
                _ => "an unsupported member",
            };
            if (kind is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedMember, GetLocation(member), member.ToDisplayString(MessageFormat), kind);
                return false;
            }

            if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary })
            {
                return false;
            }

            if (member.DeclaredAccessibility != Accessibility.Public)
            {
                Report(DiagnosticDescriptors.NonPublicMember, GetLocation(member), member.ToDisplayString(MessageFormat), ServiceDisplayName, GetAccessibilityText(member.DeclaredAccessibility));
                return false;
            }

            return true;
        }

        private MethodModel? ParseMethod(IMethodSymbol method, bool isInherited, string declaringTypeName, HashSet<string> stems)
        {
            var diagnosticCount = _diagnostics.Count;

            if (IsObsoleteAsError(method))
            {
                Report(DiagnosticDescriptors.ObsoleteAsError, GetLocation(method), method.ToDisplayString(MessageFormat));
            }

            if (method.IsVararg)
            {
                Report(DiagnosticDescriptors.UnsupportedParameterType, GetLocation(method), "__arglist", method.ToDisplayString(MessageFormat), "__arglist", "declare the arguments as parameters, or as a params array");
            }

            if (method.IsGenericMethod)
            {
                Report(DiagnosticDescriptors.GenericMethod, GetLocation(method), method.ToDisplayString(MessageFormat), ServiceDisplayName);
            }

            var returnKind = GetReturnKind(method);
            if (StreamShapes.UnsupportedReturnFix(method.ReturnType) is { } streamFix)
            {
                Report(DiagnosticDescriptors.UnsupportedStreamShape, GetLocation(method), method.ToDisplayString(MessageFormat), ServiceDisplayName, method.ReturnType.ToDisplayString(MessageFormat), streamFix);
                returnKind = null;
            }
            else if (returnKind is null)
            {
                Report(DiagnosticDescriptors.UnsupportedReturnType, GetLocation(method), method.ToDisplayString(MessageFormat), ServiceDisplayName, method.ReturnType.ToDisplayString(MessageFormat));
            }
            else if (returnKind is ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT or ReturnKind.AsyncEnumerable
                && GetUnsendableTypeFix(((INamedTypeSymbol)method.ReturnType).TypeArguments[0]) is { } resultFix)
            {
                Report(
                    DiagnosticDescriptors.UnsupportedResultType,
                    GetLocation(method),
                    method.ToDisplayString(MessageFormat),
                    method.ReturnType.ToDisplayString(MessageFormat),
                    ((INamedTypeSymbol)method.ReturnType).TypeArguments[0].ToDisplayString(MessageFormat),
                    resultFix);
            }

            var parameters = new List<ParameterModel>();
            var signatureTypes = new List<string>();
            var contractTypes = new List<string>();
            string? cancellationTokenIdentifier = null;
            var firstAppended = GetFirstAppendedParameter(method);
            var keyIndex = KeyChecks.Check(method, _isKeyed, GetLocation(method), ServiceDisplayName, Report);
            for (var i = 0; i < method.Parameters.Length; i++)
            {
                var parameter = method.Parameters[i];
                var identifier = Naming.ToIdentifier(parameter.Name.Length > 0 ? parameter.Name : "arg" + i.ToString(CultureInfo.InvariantCulture));
                if (parameter.RefKind != RefKind.None)
                {
                    Report(DiagnosticDescriptors.RefParameter, GetLocation(method), parameter.Name, method.ToDisplayString(MessageFormat), GetRefKindText(parameter.RefKind));
                }

                if (IsCancellationToken(parameter.Type))
                {
                    if (i == method.Parameters.Length - 1)
                    {
                        cancellationTokenIdentifier = identifier;
                    }
                    else
                    {
                        Report(DiagnosticDescriptors.CancellationTokenNotLast, GetLocation(method), method.ToDisplayString(MessageFormat), parameter.Name);
                    }

                    continue;
                }

                if (StreamShapes.IsAsyncEnumerable(parameter.Type))
                {
                    Report(DiagnosticDescriptors.StreamParameter, GetLocation(method), parameter.Name, method.ToDisplayString(MessageFormat), parameter.Type.ToDisplayString(MessageFormat));
                }
                else if (GetUnsendableTypeFix(parameter.Type) is { } parameterFix)
                {
                    Report(DiagnosticDescriptors.UnsupportedParameterType, GetLocation(method), parameter.Name, method.ToDisplayString(MessageFormat), parameter.Type.ToDisplayString(MessageFormat), parameterFix);
                }

                var isAppended = i >= firstAppended;
                parameters.Add(new ParameterModel(
                    Identifier: identifier,
                    TypeName: GetTypeName(parameter.Type),
                    IsParams: parameter.IsParams,
                    DefaultValueExpression: isAppended ? DefaultValues.Format(parameter.Type, parameter.ExplicitDefaultValue) : null,
                    IsKey: i == keyIndex));
                var signatureType = GetSignatureTypeName(parameter.Type);
                if (isAppended)
                {
                    contractTypes.Add("[" + signatureType + "]");
                }
                else
                {
                    signatureTypes.Add(signatureType);
                    contractTypes.Add(signatureType);
                }
            }

            if (_diagnostics.Count > diagnosticCount || returnKind is null)
            {
                return null;
            }

            CheckSerializers(method, returnKind.Value);

            var signature = method.Name + "(" + string.Join(",", signatureTypes) + ")";
            var contract = method.Name + "(" + string.Join(",", contractTypes) + ")";
            var returnType = (INamedTypeSymbol)method.ReturnType;
            var hasResult = returnKind is ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT or ReturnKind.AsyncEnumerable;
            return new MethodModel(
                Name: method.Name,
                Identifier: Naming.ToIdentifier(method.Name),
                MemberStem: ReserveStem(method.Name, stems),
                Signature: signature,
                Contract: contract,
                Id: ComputeMethodId(signature),
                IsIdempotent: method.GetAttributes().Any(IsIdempotentAttribute),
                DeclaringInterfaceTypeName: declaringTypeName,
                IsInherited: isInherited,
                ReturnKind: returnKind.Value,
                ReturnTypeName: GetTypeName(returnType),
                ResultTypeName: hasResult ? GetTypeName(returnType.TypeArguments[0]) : null,
                Parameters: new EquatableArray<ParameterModel>(parameters),
                CancellationTokenIdentifier: cancellationTokenIdentifier);
        }

        /// <summary>One warning per method naming the argument and result types no visible serializer covers.</summary>
        private void CheckSerializers(IMethodSymbol method, ReturnKind returnKind)
        {
            var missing = new List<string>();
            foreach (var parameter in method.Parameters)
            {
                if (!IsCancellationToken(parameter.Type))
                {
                    AddMissingSerializers(parameter.Type, missing);
                }
            }

            if (returnKind is ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT or ReturnKind.AsyncEnumerable)
            {
                AddMissingSerializers(((INamedTypeSymbol)method.ReturnType).TypeArguments[0], missing);
            }

            if (missing.Count > 0)
            {
                Report(DiagnosticDescriptors.NoVisibleSerializer, GetLocation(method), method.ToDisplayString(MessageFormat), ServiceDisplayName, string.Join("', '", missing));
            }
        }

        private static void AddMissingSerializers(ITypeSymbol type, List<string> missing)
        {
            switch (type)
            {
                case IArrayTypeSymbol array:
                    AddMissingSerializers(array.ElementType, missing);
                    return;
                case INamedTypeSymbol named:
                    foreach (var argument in named.TypeArguments)
                    {
                        AddMissingSerializers(argument, missing);
                    }

                    if (!HasVisibleSerializer(named))
                    {
                        var name = named.OriginalDefinition.ToDisplayString(MessageFormat);
                        if (!missing.Contains(name))
                        {
                            missing.Add(name);
                        }
                    }

                    return;
            }
        }

        /// <summary>A type of System.*, an enum, a type whose runtime type decides, or one marked serializable.</summary>
        private static bool HasVisibleSerializer(INamedTypeSymbol type)
        {
            if (type.SpecialType != SpecialType.None
                || type.TypeKind is TypeKind.Enum or TypeKind.Interface or TypeKind.Delegate or TypeKind.Error
                || type.IsAbstract
                || type.IsSerializable
                || IsUnderNamespace(type, "System")
                || IsUnderNamespace(type, "Orleans"))
            {
                return true;
            }

            foreach (var attribute in type.OriginalDefinition.GetAttributes())
            {
                if (attribute.AttributeClass is { Name: "GenerateSerializerAttribute", ContainingType: null } attributeType && IsInNamespace(attributeType, "Orleans"))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsUnderNamespace(INamedTypeSymbol type, string root)
        {
            var ns = type.ContainingNamespace;
            while (ns is { ContainingNamespace.IsGlobalNamespace: false })
            {
                ns = ns.ContainingNamespace;
            }

            return ns is { IsGlobalNamespace: false } && ns.Name == root;
        }

        /// <summary>A type as generated code writes it; types repeat across methods, and formatting is not cheap.</summary>
        private string GetTypeName(ITypeSymbol type)
        {
            if (!_typeNames.TryGetValue(type, out var name))
            {
                name = type.ToDisplayString(TypeNameFormat);
                _typeNames.Add(type, name);
            }

            return name;
        }

        /// <summary>A type as the method id's signature writes it (without nullable annotations).</summary>
        private string GetSignatureTypeName(ITypeSymbol type)
        {
            if (!_signatureTypeNames.TryGetValue(type, out var name))
            {
                name = type.ToDisplayString(SignatureTypeFormat);
                _signatureTypeNames.Add(type, name);
            }

            return name;
        }

        /// <summary>The service as diagnostics name it; computed only when one is reported.</summary>
        private string ServiceDisplayName => _serviceDisplayName ??= _service.ToDisplayString(MessageFormat);

        private Location GetLocation(ISymbol member)
            => member.Locations.FirstOrDefault(static location => location.IsInSource) ?? _interfaceLocation;

        private void Report(DiagnosticDescriptor descriptor, Location location, params string[] messageArgs)
        {
            _hasErrors |= descriptor.DefaultSeverity == DiagnosticSeverity.Error;
            _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, messageArgs));
        }

        /// <summary>
        /// The ids of the <c>[Experimental]</c> diagnostics that generated code would raise by referring to
        /// the service, its methods and the types they use: generated files suppress them (the user opted in
        /// where the interface is declared).
        /// </summary>
        private void CollectExperimentalIds(INamedTypeSymbol service)
        {
            var seen = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            AddExperimentalIds(service.ContainingAssembly, seen);
            AddExperimentalIds(service.ContainingModule, seen);
            AddTypeExperimentalIds(service, seen);
            foreach (var type in service.AllInterfaces)
            {
                AddTypeExperimentalIds(type, seen);
            }

            foreach (var type in GetInterfaces())
            {
                foreach (var member in type.GetMembers())
                {
                    if (member is IMethodSymbol method)
                    {
                        AddExperimentalIds(method, seen);
                        AddTypeExperimentalIds(method.ReturnType, seen);
                        foreach (var parameter in method.Parameters)
                        {
                            AddTypeExperimentalIds(parameter.Type, seen);
                        }
                    }
                }
            }
        }

        private void AddTypeExperimentalIds(ITypeSymbol type, HashSet<ISymbol> seen)
        {
            if (!seen.Add(type))
            {
                return;
            }

            switch (type)
            {
                case IArrayTypeSymbol array:
                    AddTypeExperimentalIds(array.ElementType, seen);
                    return;
                case INamedTypeSymbol named:
                    AddExperimentalIds(named, seen);
                    AddExperimentalIds(named.ContainingAssembly, seen);
                    for (var container = named.ContainingType; container is not null; container = container.ContainingType)
                    {
                        AddExperimentalIds(container, seen);
                    }

                    foreach (var argument in named.TypeArguments)
                    {
                        AddTypeExperimentalIds(argument, seen);
                    }

                    return;
            }
        }

        private void AddExperimentalIds(ISymbol? symbol, HashSet<ISymbol> seen)
        {
            if (symbol is null || (symbol is not ITypeSymbol && !seen.Add(symbol)))
            {
                return;
            }

            foreach (var attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass is { Name: "ExperimentalAttribute" } attributeType
                    && IsInNamespace(attributeType, "System", "Diagnostics", "CodeAnalysis")
                    && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is string id
                    && id.Length > 0)
                {
                    _experimentalIds.Add(id);
                }
            }
        }
    }

    private static ReturnKind? GetReturnKind(IMethodSymbol method)
    {
        if (method.ReturnsByRef || method.ReturnsByRefReadonly
            || method.ReturnType is not INamedTypeSymbol returnType)
        {
            return null;
        }

        if (StreamShapes.IsAsyncEnumerable(returnType))
        {
            return ReturnKind.AsyncEnumerable;
        }

        if (!IsInNamespace(returnType, "System", "Threading", "Tasks"))
        {
            return null;
        }

        return returnType.MetadataName switch
        {
            "Task" => ReturnKind.Task,
            "Task`1" => ReturnKind.TaskOfT,
            "ValueTask" => ReturnKind.ValueTask,
            "ValueTask`1" => ReturnKind.ValueTaskOfT,
            _ => null,
        };
    }

    /// <summary>
    /// The index of the first appended parameter: the trailing run of parameters with a default value
    /// (before the cancellation token). They are not part of the method id, so they can be added to a
    /// method without breaking peers that do not know them: a server defaults the ones an older caller does
    /// not send and ignores the ones a newer caller sends beyond its own.
    /// </summary>
    private static int GetFirstAppendedParameter(IMethodSymbol method)
    {
        var end = method.Parameters.Length;
        if (end > 0 && IsCancellationToken(method.Parameters[end - 1].Type))
        {
            end--;
        }

        var first = end;
        while (first > 0 && method.Parameters[first - 1] is { HasExplicitDefaultValue: true, IsParams: false } parameter && !IsCancellationToken(parameter.Type))
        {
            first--;
        }

        return first;
    }

    /// <summary>
    /// How to fix a parameter or result type that cannot travel to another node, or <see langword="null"/>
    /// when it can (as far as the generator can tell).
    /// </summary>
    private static string? GetUnsendableTypeFix(ITypeSymbol type)
    {
        if (type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            return "pointers cannot be serialized; send the value itself, an array or ReadOnlyMemory<T>";
        }

        if (type.IsRefLikeType)
        {
            return "ref structs such as Span<T> cannot be serialized; use an array or ReadOnlyMemory<T>";
        }

        if (type.TypeKind == TypeKind.Dynamic)
        {
            return "a dynamic value is written with its runtime type but read as object; declare the type it has (or object)";
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable && IsCancellationToken(nullable.TypeArguments[0]))
        {
            return "a cancellation token is the call's token, never an argument; declare it as 'CancellationToken cancellationToken = default', the last parameter";
        }

        return null;
    }

    private static bool IsDisposableInterface(INamedTypeSymbol type)
        => type is { Name: "IDisposable" or "IAsyncDisposable", ContainingType: null } && IsInNamespace(type, "System");

    private static bool IsObsoleteAsError(ISymbol symbol)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "ObsoleteAttribute", ContainingType: null } type
                && IsInNamespace(type, "System")
                && attribute.ConstructorArguments.Length == 2
                && attribute.ConstructorArguments[1].Value is true)
            {
                return true;
            }
        }

        return false;
    }

    private static string GetAccessibilityText(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.Internal => "internal",
        Accessibility.ProtectedOrInternal => "protected internal",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "not public",
    };

    private static bool IsCancellationToken(ITypeSymbol type)
        => type is INamedTypeSymbol { Name: "CancellationToken", ContainingType: null } named && IsInNamespace(named, "System", "Threading");

    private static bool IsIdempotentAttribute(AttributeData attribute)
        => attribute.AttributeClass is { Name: "IdempotentAttribute", ContainingType: null } type && IsInNamespace(type, "Mesh");

    private static bool IsInNamespace(INamedTypeSymbol type, params string[] names)
    {
        var ns = type.ContainingNamespace;
        for (var i = names.Length - 1; i >= 0; i--)
        {
            if (ns is null || ns.IsGlobalNamespace || ns.Name != names[i])
            {
                return false;
            }

            ns = ns.ContainingNamespace;
        }

        return ns is { IsGlobalNamespace: true };
    }

    private static string GetRefKindText(RefKind refKind) => refKind switch
    {
        RefKind.Ref => "ref",
        RefKind.Out => "out",
        RefKind.In => "in",
        _ => "ref readonly",
    };

    /// <summary>A name for the generated members of a method, unique among the service's methods.</summary>
    private static string ReserveStem(string name, HashSet<string> stems)
    {
        var stem = name;
        for (var i = 2; !stems.Add(stem); i++)
        {
            stem = name + i.ToString(CultureInfo.InvariantCulture);
        }

        return stem;
    }

}
