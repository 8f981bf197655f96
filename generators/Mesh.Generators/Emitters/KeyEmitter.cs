using Mesh.Generators.Model;

namespace Mesh.Generators.Emitters;

/// <summary>Emits what a keyed method's proxy adds to its request: the routing hash of its <c>[Key]</c> argument.</summary>
internal static class KeyEmitter
{
    /// <summary>Writes <c>request.RoutingKey = MeshKey.Hash(key);</c> for a method with a key; nothing otherwise.</summary>
    public static void EmitRoutingKey(SourceWriter writer, MethodModel method, string request)
    {
        foreach (var parameter in method.Parameters)
        {
            if (parameter.IsKey)
            {
                // Inside the proxy's try block: a null string key fails the call with ArgumentNullException.
                writer.WriteLine($"{request}.RoutingKey = global::Mesh.MeshKey.Hash({parameter.Identifier});");
                return;
            }
        }
    }
}
