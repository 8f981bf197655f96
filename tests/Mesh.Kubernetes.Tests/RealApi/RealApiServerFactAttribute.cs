namespace Mesh.Kubernetes.Tests.RealApi;

/// <summary>
/// A test against a real kube-apiserver. Skipped only when <c>MESH_KUBE_APISERVER</c> is unset (a developer
/// machine without the binary); when it is set (CI sets it) a missing binary or etcd fails the test.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealApiServerFactAttribute : FactAttribute
{
    public RealApiServerFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(RealApiServer.Variable)))
        {
            Skip = $"{RealApiServer.Variable} is unset: no kube-apiserver binary to test against (.ci/run sets it).";
        }
    }
}
