namespace Mesh.Generators.EndToEnd.Tests.Services;

/// <summary>Every return type and parameter shape the generator supports.</summary>
[BalancedService]
public interface IShapes
{
    // Return types: Task, Task<T>, ValueTask, ValueTask<T>, with T of every kind.
    Task Touch(string key);

    ValueTask TouchValue(string key);

    Task<int> Primitive(int value);

    ValueTask<string> Text(string value);

    Task<int[]> Array(int count);

    ValueTask<List<string>> List(string prefix, int count);

    Task<Dictionary<string, int>> Dictionary(string[] keys);

    Task<int?> Nullable(int? value);

    ValueTask<string?> NullableText(string? value);

    Task<Priority> Enum(Priority priority);

    ValueTask<Order> Record(Order order);

    Task<Customer> Class(Customer customer);

    // Parameters.
    Task<string> None();

    Task<string> Many(int a, long b, double c, bool d, string e, char f, decimal g, Guid h, DateTime i, Priority j);

    ValueTask<string> Defaults(string name, string greeting = "Hello", int times = 1, Priority priority = Priority.Normal, string? suffix = null);

    Task<int> Sum(params int[] values);

    Task<string> Describe(string? text, Customer? customer);

    Task<Point> Move(Point point, Vector by);

    Task<string> Wait(string key, CancellationToken cancellationToken);

    // Overloads.
    Task<string> Format(int value);

    Task<string> Format(string value);

    Task<string> Format(int value, string format);

    // Which node served the call.
    Task<string> Node();
}
