namespace RollingUpdate;

internal sealed class AddedMethod : IAddedMethod
{
    public Task<string> Echo(string text) => Task.FromResult(Build.Version + ":" + text);
#if V2

    public Task<int> Length(string text) => Task.FromResult(text.Length);
#endif
}

internal sealed class OptionalParameter : IOptionalParameter
{
#if V1
    public Task<string> Place(string item, int quantity, CancellationToken cancellationToken = default)
        => Task.FromResult($"{Build.Version}:{quantity} x {item}");
#else
    public Task<string> Place(string item, int quantity, string note = "none", CancellationToken cancellationToken = default)
        => Task.FromResult($"{Build.Version}:{quantity} x {item}, note {note}");
#endif
}

internal sealed class RecordField : IRecordField
{
#if V1
    public Task<Order> Echo(Order order) => Task.FromResult(order with { Item = Build.Version + ":" + order.Item });
#else
    public Task<Order> Echo(Order order) => Task.FromResult(order with { Item = Build.Version + ":" + order.Item, Note = order.Note ?? "(none sent)" });
#endif
}

internal sealed class RenamedParameter : IRenamedParameter
{
#if V1
    public Task<int> Double(int value) => Task.FromResult(value * 2);
#else
    public Task<int> Double(int number) => Task.FromResult(number * 2);
#endif
}

#if V2
internal sealed class AddedService : IAddedService
{
    public Task<string> Hello() => Task.FromResult(Build.Version + ":hello");
}
#endif

internal sealed class TypeChanged : ITypeChanged
{
#if V1
    public Task<long> Square(int value) => Task.FromResult((long)value * value);
#else
    public Task<long> Square(long value) => Task.FromResult(value * value);
#endif
}

internal sealed class Reordered : IReordered
{
#if V1
    public Task<string> Repeat(string text, int count) => Task.FromResult(string.Concat(Enumerable.Repeat(text, count)));
#else
    public Task<string> Repeat(int count, string text) => Task.FromResult(string.Concat(Enumerable.Repeat(text, count)));
#endif
}

internal sealed class RemovedMethod : IRemovedMethod
{
    public Task<int> Kept() => Task.FromResult(1);
#if V1

    public Task<int> Removed() => Task.FromResult(2);
#endif
}

internal static class Build
{
#if V1
    public const string Version = "v1";
#else
    public const string Version = "v2";
#endif
}
