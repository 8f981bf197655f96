using System.Globalization;

namespace Mesh.Generators.EndToEnd.Tests.Services;

internal sealed class Shapes(IMeshNode node, CallProbe probe) : IShapes
{
    public Task Touch(string key)
    {
        probe.Touched(key);
        return Task.CompletedTask;
    }

    public ValueTask TouchValue(string key)
    {
        probe.Touched(key);
        return ValueTask.CompletedTask;
    }

    public Task<int> Primitive(int value) => Task.FromResult(value * 2);

    public ValueTask<string> Text(string value) => ValueTask.FromResult(value.ToUpperInvariant());

    public Task<int[]> Array(int count) => Task.FromResult(Enumerable.Range(1, count).ToArray());

    public ValueTask<List<string>> List(string prefix, int count)
        => ValueTask.FromResult(Enumerable.Range(0, count).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)).ToList());

    public Task<Dictionary<string, int>> Dictionary(string[] keys) => Task.FromResult(keys.ToDictionary(key => key, key => key.Length));

    public Task<int?> Nullable(int? value) => Task.FromResult(value + 1);

    public ValueTask<string?> NullableText(string? value) => ValueTask.FromResult(value is null ? null : value + "!");

    public Task<Priority> Enum(Priority priority) => Task.FromResult(priority == Priority.High ? Priority.Low : priority + 1);

    public ValueTask<Order> Record(Order order) => ValueTask.FromResult(order with { Id = order.Id + 1, Tags = [.. order.Tags, node.NodeId] });

    public Task<Customer> Class(Customer customer)
        => Task.FromResult(new Customer
        {
            Name = customer.Name + " (seen)",
            Email = customer.Email,
            Points = customer.Points.ToDictionary(pair => pair.Key, pair => pair.Value * 10),
        });

    public Task<string> None() => Task.FromResult("none");

    public Task<string> Many(int a, long b, double c, bool d, string e, char f, decimal g, Guid h, DateTime i, Priority j)
        => Task.FromResult(string.Join("|", a, b, c.ToString(CultureInfo.InvariantCulture), d, e, f, g.ToString(CultureInfo.InvariantCulture), h, i.ToString("O", CultureInfo.InvariantCulture), j));

    public ValueTask<string> Defaults(string name, string greeting = "Hello", int times = 1, Priority priority = Priority.Normal, string? suffix = null)
        => ValueTask.FromResult($"{string.Join(" ", Enumerable.Repeat(greeting, times))} {name} [{priority}]{suffix ?? "<null>"}");

    public Task<int> Sum(params int[] values) => Task.FromResult(values.Sum());

    public Task<string> Describe(string? text, Customer? customer)
        => Task.FromResult($"{text ?? "<null>"}/{customer?.Name ?? "<null>"}");

    public Task<Point> Move(Point point, Vector by) => Task.FromResult(new Point(point.X + by.Dx, point.Y + by.Dy));

    public async Task<string> Wait(string key, CancellationToken cancellationToken)
    {
        probe.Started(key);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "not cancelled";
        }
        catch (OperationCanceledException)
        {
            probe.Cancelled(key);
            throw;
        }
    }

    public Task<string> Format(int value) => Task.FromResult("int:" + value.ToString(CultureInfo.InvariantCulture));

    public Task<string> Format(string value) => Task.FromResult("string:" + value);

    public Task<string> Format(int value, string format) => Task.FromResult("formatted:" + value.ToString(format, CultureInfo.InvariantCulture));

    public Task<string> Node() => Task.FromResult(node.NodeId);
}
