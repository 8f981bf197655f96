using Mesh.Load;

namespace Mesh.Runtime.Tests.Load;

public sealed class LoadReportCodecTests
{
    [Fact]
    public void WriteRead_CompactReport_RoundTripsInAFewBytes()
    {
        var report = new LoadReport(65000, 123456789, 12, 3, 10250, IsDraining: false);
        Span<byte> buffer = stackalloc byte[LoadReportCodec.MaxSize];

        var length = LoadReportCodec.Write(report, buffer);

        Assert.InRange(length, 8, 14);
        Assert.True(LoadReportCodec.TryRead(buffer[..length], out var read));
        Assert.Equal(report, read);
    }

    [Fact]
    public void WriteRead_FullReport_RoundTripsEveryField()
    {
        var report = new LoadReport(7, uint.MaxValue, int.MaxValue, 0, 5, IsDraining: true, LoadReportFields.All, 256, 100, 40000);
        Span<byte> buffer = stackalloc byte[LoadReportCodec.MaxSize];

        var length = LoadReportCodec.Write(report, buffer);

        Assert.True(LoadReportCodec.TryRead(buffer[..length], out var read));
        Assert.Equal(report, read);
    }

    [Fact]
    public void TryRead_UnknownVersion_IgnoresTheReport()
        => Assert.False(LoadReportCodec.TryRead([2, 0, 0, 0], out _));

    [Theory]
    [InlineData(new byte[] { 1, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 1, 1 })]
    [InlineData(new byte[] { 1, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 1 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 9 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 1 })]
    [InlineData(new byte[] { 1, 4, 0, 0, 0, 0, 0, 0, 1, 1, 1, 101 })]
    public void TryRead_Malformed_Throws(byte[] bytes)
        => Assert.Throws<FormatException>(() => LoadReportCodec.TryRead(bytes, out _));
}
