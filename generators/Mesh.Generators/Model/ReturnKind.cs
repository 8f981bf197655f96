namespace Mesh.Generators.Model;

/// <summary>The awaitable a remote method returns.</summary>
internal enum ReturnKind
{
    /// <summary><c>System.Threading.Tasks.Task</c>.</summary>
    Task,

    /// <summary><c>System.Threading.Tasks.Task&lt;T&gt;</c>.</summary>
    TaskOfT,

    /// <summary><c>System.Threading.Tasks.ValueTask</c>.</summary>
    ValueTask,

    /// <summary><c>System.Threading.Tasks.ValueTask&lt;T&gt;</c>.</summary>
    ValueTaskOfT,

    /// <summary><c>System.Collections.Generic.IAsyncEnumerable&lt;T&gt;</c>: a server stream of <c>T</c>.</summary>
    AsyncEnumerable,
}
