using System.Buffers;
using System.Buffers.Binary;
using Mesh.Invocation;
using Mesh.Load;
using Mesh.Serialization;
using Mesh.Transport;

namespace Mesh.Dispatch;

/// <summary>
/// One call executing on this node: the arguments as received, the handler's cancellation (cancel frame,
/// deadline, link closed), and the result being written.
/// </summary>
internal sealed class ServerCall : IncomingRequest, IThreadPoolWorkItem
{
    private readonly ServerConnection _connection;
    private readonly HostedService _service;
    private readonly IPayloadSerializer _serializer;
    private readonly CancellationTokenSource _cancellation = new();
    private byte[]? _arguments;
    private readonly int _argumentsLength;
    private int _readOffset;
    private PooledBufferWriter? _result;

    public ServerCall(ServerConnection connection, HostedService service, IPayloadSerializer serializer, long callId, uint methodId, uint deadlineMilliseconds, in ReadOnlySequence<byte> arguments)
    {
        _connection = connection;
        _service = service;
        _serializer = serializer;
        CallId = callId;
        MethodId = methodId;
        _argumentsLength = checked((int)arguments.Length);
        _arguments = ArrayPool<byte>.Shared.Rent(Math.Max(_argumentsLength, 1));
        arguments.CopyTo(_arguments);
        if (deadlineMilliseconds > 0)
        {
            _cancellation.CancelAfter(TimeSpan.FromMilliseconds(deadlineMilliseconds));
        }
    }

    public long CallId { get; }

    public override uint MethodId { get; }

    public string ServiceName => _service.Name;

    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call already finished.
        }
    }

    public override T ReadArgument<T>()
    {
        if (!TryReadArgument(out T value))
        {
            throw new InvalidOperationException($"The caller sent fewer arguments than {_service.Name} method 0x{MethodId:x8} takes.");
        }

        return value;
    }

    public override T ReadArgumentOrDefault<T>(T defaultValue)
        => TryReadArgument(out T value) ? value : defaultValue;

    public override void WriteResult<T>(T value)
    {
        var result = _result ??= new PooledBufferWriter();
        result.Reset();
        result.Reserve(FrameHeader.Size);
        _serializer.Serialize(value, result);
    }

    public void Execute() => _ = _connection.RunCallAsync(this);

    /// <summary>Runs the handler; called by the connection, which sends the outcome.</summary>
    public ValueTask DispatchAsync() => _service.DispatchAsync(this, _cancellation.Token);

    public bool IsCancellationRequested => _cancellation.IsCancellationRequested;

    /// <summary>The response frame (the result or an empty one) with <paramref name="load"/>'s report appended, its header patched.</summary>
    public ReadOnlySpan<byte> ResponseFrame(NodeLoadMonitor load)
    {
        var result = _result ??= new PooledBufferWriter();
        if (result.WrittenCount == 0)
        {
            result.Reserve(FrameHeader.Size);
        }

        var frame = result.WrittenSpanForPatch;
        new FrameHeader(frame.Length - FrameHeader.Size, FrameKind.Response, 0, CallId).Write(frame);
        LoadReportFrames.Append(result, 0, load);
        return result.WrittenSpan;
    }

    public void Release()
    {
        _cancellation.Dispose();
        _result?.Dispose();
        _result = null;
        if (_arguments is { } arguments)
        {
            _arguments = null;
            ArrayPool<byte>.Shared.Return(arguments);
        }
    }

    private bool TryReadArgument<T>(out T value)
    {
        var arguments = _arguments ?? throw new ObjectDisposedException(nameof(ServerCall));
        if (_readOffset >= _argumentsLength)
        {
            value = default!;
            return false;
        }

        if (_argumentsLength - _readOffset < 4)
        {
            throw new InvalidOperationException("The request's arguments are truncated.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(arguments.AsSpan(_readOffset));
        if (length < 0 || length > _argumentsLength - _readOffset - 4)
        {
            throw new InvalidOperationException("The request's arguments are truncated.");
        }

        value = _serializer.Deserialize<T>(arguments.AsSpan(_readOffset + 4, length));
        _readOffset += 4 + length;
        return true;
    }
}
