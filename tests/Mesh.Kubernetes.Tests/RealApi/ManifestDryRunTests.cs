using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Kubernetes.Tests.Manifests;

namespace Mesh.Kubernetes.Tests.RealApi;

/// <summary>
/// deploy/ and samples/Shop/deploy are valid on the oldest supported Kubernetes (1.26): every object passes a
/// server-side dry-run with strict field validation on a real 1.26 API server (the manifest tests load them with
/// the client's current schema, strictly, too).
/// </summary>
[Collection(RealApiServerCollection.Name)]
public sealed class ManifestDryRunTests(RealApiServer server)
{
    [RealApiServerFact]
    public async Task Manifests_ServerSideDryRunStrict_AcceptedByKubernetes126()
    {
        var ns = await server.CreateEmptyNamespaceAsync();
        // The sample's kustomization includes deploy/base.
        var objects = Manifests.Manifests.Load("samples/Shop/deploy");
        Assert.Equal(10, objects.Count);
        foreach (var item in objects)
        {
            try
            {
                await DryRunAsync(item, ns);
            }
            catch (HttpOperationException ex)
            {
                Assert.Fail($"{item.GetType().Name} {((IMetadata<V1ObjectMeta>)item).Metadata.Name} refused by Kubernetes 1.26: {(int)ex.Response.StatusCode} {ex.Response.Content}");
            }
        }
    }

    [RealApiServerFact]
    public async Task PreStopSleep_ServerSideDryRunStrict_RefusedByKubernetes126()
    {
        var ns = await server.CreateEmptyNamespaceAsync();
        var deployment = Manifests.Manifests.Single<V1Deployment>(Manifests.Manifests.Load("deploy/base"), "mesh-node");
        deployment.Spec.Template.Spec.Containers[0].Lifecycle.PreStop = new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = 5 } };

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => DryRunAsync(deployment, ns));
        Assert.Contains("unknown field", error.Response.Content, StringComparison.Ordinal);
        Assert.Contains("sleep", error.Response.Content, StringComparison.Ordinal);
    }

    private Task DryRunAsync(object item, string ns)
    {
        const string All = "All";
        const string Strict = "Strict";
        var api = server.Admin;
        if (item is IMetadata<V1ObjectMeta> { Metadata: { } metadata } && item is not V1Namespace)
        {
            metadata.NamespaceProperty = ns;
        }

        return item switch
        {
            V1Namespace o => api.CoreV1.CreateNamespaceAsync(o, dryRun: All, fieldValidation: Strict),
            V1ServiceAccount o => api.CoreV1.CreateNamespacedServiceAccountAsync(o, ns, dryRun: All, fieldValidation: Strict),
            V1Service o => api.CoreV1.CreateNamespacedServiceAsync(o, ns, dryRun: All, fieldValidation: Strict),
            V1Role o => api.RbacAuthorizationV1.CreateNamespacedRoleAsync(o, ns, dryRun: All, fieldValidation: Strict),
            V1RoleBinding o => api.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(o, ns, dryRun: All, fieldValidation: Strict),
            V1Deployment o => api.AppsV1.CreateNamespacedDeploymentAsync(o, ns, dryRun: All, fieldValidation: Strict),
            V1PodDisruptionBudget o => api.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(o, ns, dryRun: All, fieldValidation: Strict),
            _ => throw new InvalidOperationException($"no dry-run route for {item.GetType().Name}"),
        };
    }
}
