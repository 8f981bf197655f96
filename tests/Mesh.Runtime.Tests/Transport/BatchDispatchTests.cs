using Mesh.Transport;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>
/// The receive loop's batching: every queued item runs exactly once, a long item does not hold the rest of its
/// batch, and frames held until a batch ends are sent at its end — or by the watchdog's rescue when the batch
/// is stuck.
/// </summary>
public sealed class BatchDispatchTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Schedule_ManyItemsFromManyReads_EachRunsExactlyOnce()
    {
        var dispatcher = new BatchDispatcher<CountingItem>();
        var runs = new int[20_000];
        var done = new CountdownEvent(runs.Length);
        for (var read = 0; read < runs.Length / 100; read++)
        {
            for (var i = 0; i < 100; i++)
            {
                dispatcher.Enqueue(new CountingItem(runs, (read * 100) + i, done));
            }

            dispatcher.Schedule();
        }

        Assert.True(await Task.Run(() => done.Wait(Bound)), $"{done.CurrentCount} items never ran");
        Assert.All(runs, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task Schedule_ItemBlocksItsThread_LaterItemsRunOnAnotherDrainer()
    {
        var dispatcher = new BatchDispatcher<ActionItem>();
        using var blocked = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dispatcher.Enqueue(new ActionItem(() =>
        {
            blocked.Set();
            release.Wait(Bound);
        }));
        dispatcher.Schedule();
        Assert.True(await Task.Run(() => blocked.Wait(Bound)));

        // The next read queues an item behind the blocked one; the receive loop sees no progress and adds a drainer.
        dispatcher.Enqueue(new ActionItem(() => later.TrySetResult()));
        try
        {
            using var timeout = new CancellationTokenSource(Bound);
            while (!later.Task.IsCompleted)
            {
                dispatcher.Schedule();
                await Task.WhenAny(later.Task, Task.Delay(10, timeout.Token));
            }
        }
        finally
        {
            release.Set();
        }

        Assert.True(later.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task TryEnqueue_InsideBatch_HeldUntilTheBatchEnds()
    {
        var stream = new CapturingStream();
        using var sender = new FrameSender();
        var loop = sender.RunAsync(stream, CancellationToken.None);

        var written = stream.NextWrite;
        var scope = SendBatching.Begin();
        try
        {
            Assert.True(sender.TryEnqueue([1, 2, 3]));
            Assert.True(sender.TryEnqueue([4, 5]));

            // Nothing woke the send loop, so the frames are still queued.
            Assert.Equal(5, sender.PendingBytes);
        }
        finally
        {
            SendBatching.End(scope);
        }

        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, await written.WaitAsync(Bound));
        sender.Complete();
        await loop.WaitAsync(Bound);
    }

    [Fact]
    public async Task ReleaseIfHeld_BatchStuckInAnItem_SendsTheHeldFrames()
    {
        var stream = new CapturingStream();
        using var sender = new FrameSender();
        var loop = sender.RunAsync(stream, CancellationToken.None);

        var written = stream.NextWrite;
        await Task.Run(() => StuckBatch(sender, written));
        Assert.Equal(new byte[] { 7, 8 }, await written.WaitAsync(Bound));

        sender.Complete();
        await loop.WaitAsync(Bound);
    }

    /// <summary>
    /// A batch item doing sync-over-async: its thread blocks until the frame it queued has been written. The
    /// link watchdog (here: another thread) sends the held frame meanwhile.
    /// </summary>
    private static void StuckBatch(FrameSender sender, Task<byte[]> written)
    {
        var scope = SendBatching.Begin();
        try
        {
            Assert.True(sender.TryEnqueue([7, 8]));
            Assert.True(Task.Run(() => sender.ReleaseIfHeld(milliseconds: 0, Environment.TickCount64)).Wait(Bound));
            Assert.True(written.Wait(Bound), "the held frame was not sent while the batch was stuck");
        }
        finally
        {
            SendBatching.End(scope);
        }
    }

    private readonly struct CountingItem(int[] runs, int index, CountdownEvent done) : IBatchItem
    {
        public void Run()
        {
            Interlocked.Increment(ref runs[index]);
            done.Signal();
        }
    }

    private readonly struct ActionItem(Action action) : IBatchItem
    {
        public void Run() => action();
    }

    /// <summary>A write-only stream whose writes complete at once; each write's bytes can be awaited.</summary>
    private sealed class CapturingStream : Stream
    {
        private TaskCompletionSource<byte[]> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<byte[]> NextWrite => Volatile.Read(ref _next).Task;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var previous = Interlocked.Exchange(ref _next, new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously));
            previous.TrySetResult(buffer.ToArray());
            return ValueTask.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
