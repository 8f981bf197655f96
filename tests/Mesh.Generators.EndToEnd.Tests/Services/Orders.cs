namespace Mesh.Generators.EndToEnd.Tests.Billing
{
    /// <summary>One of two services named IOrders, in different namespaces.</summary>
    [BalancedService]
    public interface IOrders
    {
        Task<string> Total(int orderId);
    }

    internal sealed class Orders : IOrders
    {
        public Task<string> Total(int orderId) => Task.FromResult($"billing:{orderId}");
    }
}

namespace Mesh.Generators.EndToEnd.Tests.Shipping
{
    /// <summary>One of two services named IOrders, in different namespaces.</summary>
    [BalancedService]
    public interface IOrders
    {
        Task<string> Total(int orderId);
    }

    internal sealed class Orders : IOrders
    {
        public Task<string> Total(int orderId) => Task.FromResult($"shipping:{orderId}");
    }
}
