namespace Mesh.Generators.Tests;

public sealed class StableHashTests
{
    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("Add(System.Int32,System.Int32)")]
    [InlineData("Sample.ICalculator")]
    [InlineData("Größe(System.String)")]
    [InlineData("日本語のサービス")]
    [InlineData("Launch🚀(System.String)")]
    public void Compute_GeneratorAndRuntime_Agree(string value)
    {
        Assert.Equal(StableHash.Compute(value), Fnv1a.Compute(value));
    }

    [Fact]
    public void Compute_LongNonAsciiString_GeneratorAndRuntimeAgree()
    {
        // Longer than the runtime's 256-byte stack buffer, so it takes its other path.
        var value = string.Concat(Enumerable.Repeat("Ünïcödé-", 64));

        Assert.Equal(StableHash.Compute(value), Fnv1a.Compute(value));
    }

    [Fact]
    public void Compute_EmptyString_IsOffsetBasis()
    {
        Assert.Equal(2166136261u, Fnv1a.Compute(""));
    }
}
