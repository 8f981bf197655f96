using Mesh.Transport;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>An idle link's send buffers go back to the pool and come back with the next frame.</summary>
public sealed class FrameSenderTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public void HoldsBuffers_NothingSentYet_False()
    {
        using var sender = new FrameSender();

        Assert.False(sender.HoldsBuffers);
    }

    [Fact]
    public async Task TrimIfIdle_AfterQueuedFramesWereWritten_ReturnsBuffers()
    {
        using var sender = new FrameSender();
        var stream = new MemoryStream();
        var run = sender.RunAsync(stream, CancellationToken.None);
        Assert.True(sender.TryEnqueue(new byte[100]));
        Assert.True(sender.HoldsBuffers);

        sender.Complete();
        await run.WaitAsync(Bound);

        Assert.Equal(100, stream.Length);
        Assert.True(sender.TrimIfIdle());
        Assert.False(sender.HoldsBuffers);
    }

    [Fact]
    public void TrimIfIdle_FrameQueuedAndNotYetWritten_KeepsBuffers()
    {
        using var sender = new FrameSender();
        Assert.True(sender.TryEnqueue(new byte[100]));

        Assert.False(sender.TrimIfIdle());
        Assert.True(sender.HoldsBuffers);
        Assert.Equal(100, sender.PendingBytes);
    }

    [Fact]
    public async Task TryEnqueue_AfterTrim_RentsAgainAndSendsTheFrame()
    {
        using var sender = new FrameSender();
        var stream = new RecordingStream();
        var run = sender.RunAsync(stream, CancellationToken.None);
        Assert.True(sender.TryEnqueue([1, 2, 3]));
        await stream.Written(3).WaitAsync(Bound);

        // The send loop finishes its write just after the bytes land: trimming succeeds once it has.
        Assert.True(SpinWait.SpinUntil(sender.TrimIfIdle, Bound));
        Assert.False(sender.HoldsBuffers);

        Assert.True(sender.TryEnqueue([4, 5]));
        sender.Complete();
        await run.WaitAsync(Bound);

        Assert.Equal([1, 2, 3, 4, 5], stream.Bytes());
    }

    /// <summary>A stream that records writes and says when a number of bytes has arrived.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly Lock _gate = new();
        private readonly List<byte> _bytes = [];
        private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _expected;

        public Task Written(int count)
        {
            lock (_gate)
            {
                _expected = count;
                if (_bytes.Count >= count)
                {
                    _written.TrySetResult();
                }

                return _written.Task;
            }
        }

        public byte[] Bytes()
        {
            lock (_gate)
            {
                return [.. _bytes];
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                _bytes.AddRange(buffer.ToArray());
                if (_expected > 0 && _bytes.Count >= _expected)
                {
                    _written.TrySetResult();
                }
            }

            return ValueTask.CompletedTask;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }
}
