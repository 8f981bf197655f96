namespace Mesh.Generators.EndToEnd.Tests.Services;

/// <summary>A base interface, not a service: its methods are called through the services deriving from it.</summary>
public interface IAnimal
{
    Task<string> Name();
}

/// <summary>A second base, which also derives from <see cref="IAnimal"/> (a diamond under <see cref="IPuppy"/>).</summary>
public interface IPet : IAnimal
{
    Task<string> Owner();
}

[BalancedService]
public interface IDog : IAnimal
{
    Task<string> Bark();
}

[BalancedService]
public interface ICat : IAnimal
{
    ValueTask<string> Meow();
}

/// <summary>A service deriving from another service and from a second base.</summary>
[BalancedService]
public interface IPuppy : IDog, IPet
{
    Task<string> Play();
}

internal sealed class Dog : IDog
{
    public Task<string> Name() => Task.FromResult("dog");

    public Task<string> Bark() => Task.FromResult("woof");
}

internal sealed class Cat : ICat
{
    public Task<string> Name() => Task.FromResult("cat");

    public ValueTask<string> Meow() => ValueTask.FromResult("meow");
}

internal sealed class Puppy : IPuppy
{
    public Task<string> Name() => Task.FromResult("puppy");

    public Task<string> Bark() => Task.FromResult("yip");

    public Task<string> Owner() => Task.FromResult("ada");

    public Task<string> Play() => Task.FromResult("fetch");
}
