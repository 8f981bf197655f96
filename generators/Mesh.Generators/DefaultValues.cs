using System;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Mesh.Generators;

/// <summary>Writes the default value of a parameter as a C# expression.</summary>
internal static class DefaultValues
{
    /// <summary>How generated code writes an enum type.</summary>
    private static readonly SymbolDisplayFormat TypeNameFormat = SymbolDisplayFormat.FullyQualifiedFormat;

    /// <summary>The C# expression of a parameter's default value, of type <paramref name="type"/>.</summary>
    public static string Format(ITypeSymbol type, object? value)
    {
        if (value is null)
        {
            if (type.IsValueType)
            {
                return "default";
            }

            return type.NullableAnnotation == NullableAnnotation.Annotated ? "null" : "null!";
        }

        var underlying = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            ? nullable.TypeArguments[0]
            : type;
        if (underlying.TypeKind == TypeKind.Enum)
        {
            var enumTypeName = underlying.ToDisplayString(TypeNameFormat);
            foreach (var member in underlying.GetMembers())
            {
                if (member is IFieldSymbol { HasConstantValue: true } field && Equals(field.ConstantValue, value))
                {
                    return enumTypeName + "." + Naming.ToIdentifier(field.Name);
                }
            }

            return "(" + enumTypeName + ")(" + FormatPrimitive(value) + ")";
        }

        return FormatPrimitive(value);
    }

    private static string FormatPrimitive(object value) => value switch
    {
        string text => SymbolDisplay.FormatLiteral(text, quote: true),
        char character => SymbolDisplay.FormatLiteral(character, quote: true),
        bool flag => flag ? "true" : "false",
        float number when float.IsNaN(number) => "float.NaN",
        float number when float.IsPositiveInfinity(number) => "float.PositiveInfinity",
        float number when float.IsNegativeInfinity(number) => "float.NegativeInfinity",
        float number => number.ToString("R", CultureInfo.InvariantCulture) + "F",
        double number when double.IsNaN(number) => "double.NaN",
        double number when double.IsPositiveInfinity(number) => "double.PositiveInfinity",
        double number when double.IsNegativeInfinity(number) => "double.NegativeInfinity",
        double number => number.ToString("R", CultureInfo.InvariantCulture) + "D",
        decimal number => number.ToString(CultureInfo.InvariantCulture) + "M",
        uint number => number.ToString(CultureInfo.InvariantCulture) + "U",
        long number => number.ToString(CultureInfo.InvariantCulture) + "L",
        ulong number => number.ToString(CultureInfo.InvariantCulture) + "UL",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => "default!",
    };
}
