using k8s.Models;
using Mesh;
using Shop;

namespace Mesh.Kubernetes.Tests.Manifests;

public sealed class ManifestTests
{
    private static readonly List<object> Base = Manifests.Load("deploy/base");
    private static readonly List<object> Sample = Manifests.Load("samples/Shop/deploy");
    private static readonly List<V1Deployment> Deployments = [.. Base.Concat(Sample).OfType<V1Deployment>()];

    [Fact]
    public void Base_EveryManifest_LoadsIntoTypedObjects()
    {
        Assert.Equal(
            ["V1Deployment", "V1PodDisruptionBudget", "V1Role", "V1RoleBinding", "V1Service", "V1ServiceAccount"],
            Base.Select(o => o.GetType().Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Service_HeadlessSelectorMatchesPodsAndPortNameIsWhatDiscoverySelects()
    {
        var service = Manifests.Single<V1Service>(Base, "mesh");
        var deployment = Manifests.Single<V1Deployment>(Base, "mesh-node");
        Assert.Equal("None", service.Spec.ClusterIP);
        Assert.True(IsSubset(service.Spec.Selector, deployment.Spec.Template.Metadata.Labels));
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(new KubernetesDiscoveryOptions().PortName, port.Name);
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        var target = Assert.Single(container.Ports, p => p.Name == port.TargetPort.Value);
        Assert.Equal(HealthEndpoints.MeshPort, target.ContainerPort);
        Assert.Equal(HealthEndpoints.MeshPort, port.Port);
    }

    [Fact]
    public void Deployment_AndDisruptionBudget_SelectorsMatchTheTemplateLabels()
    {
        foreach (var deployment in Base.Concat(Sample).OfType<V1Deployment>())
        {
            Assert.True(IsSubset(deployment.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels), deployment.Metadata.Name);
        }

        var budget = Manifests.Single<V1PodDisruptionBudget>(Base, "mesh-node");
        Assert.True(IsSubset(budget.Spec.Selector.MatchLabels, Manifests.Single<V1Deployment>(Base, "mesh-node").Spec.Template.Metadata.Labels));
    }

    [Fact]
    public void Rbac_GrantsExactlyListAndWatchOnEndpointSlicesToThePodsAccount()
    {
        var role = Manifests.Single<V1Role>(Base, "mesh-discovery");
        var rule = Assert.Single(role.Rules);
        Assert.Equal(["discovery.k8s.io"], rule.ApiGroups);
        Assert.Equal(["endpointslices"], rule.Resources);
        Assert.Equal(["list", "watch"], rule.Verbs.Order(StringComparer.Ordinal));
        Assert.Null(rule.ResourceNames);

        var binding = Manifests.Single<V1RoleBinding>(Base, "mesh-discovery");
        Assert.Equal(("Role", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        var subject = Assert.Single(binding.Subjects);
        var account = Assert.Single(Base.OfType<V1ServiceAccount>());
        Assert.Equal(("ServiceAccount", account.Metadata.Name), (subject.Kind, subject.Name));
        Assert.NotEqual(false, account.AutomountServiceAccountToken);
        foreach (var deployment in Base.Concat(Sample).OfType<V1Deployment>())
        {
            Assert.Equal(account.Metadata.Name, deployment.Spec.Template.Spec.ServiceAccountName);
        }
    }

    [Fact]
    public void Probes_PathsAndPortsExistInTheApp()
    {
        foreach (var deployment in Base.Concat(Sample).OfType<V1Deployment>())
        {
            var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
            Assert.Equal(HealthEndpoints.ReadyPath, container.ReadinessProbe.HttpGet.Path);
            Assert.Equal(HealthEndpoints.LivePath, container.LivenessProbe.HttpGet.Path);
            foreach (var probe in new[] { container.ReadinessProbe, container.LivenessProbe })
            {
                var port = Assert.Single(container.Ports, p => p.Name == probe.HttpGet.Port.Value);
                Assert.Contains($"ASPNETCORE_HTTP_PORTS={port.ContainerPort}", File.ReadAllText(Manifests.Path("deploy/Dockerfile")), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Termination_PreStopPlusDrainPlusHostMarginFitInTheGracePeriodAndTheDrainCoversTheCallDeadline()
    {
        foreach (var deployment in Deployments)
        {
            var pod = deployment.Spec.Template.Spec;
            var container = Assert.Single(pod.Containers);
            // An HTTP hook the app answers after Shop__PreStopDelay (lifecycle.preStop.sleep needs Kubernetes >= 1.30).
            Assert.Null(container.Lifecycle.PreStop.Sleep);
            Assert.Null(container.Lifecycle.PreStop.Exec);
            Assert.Equal(HealthEndpoints.PreStopPath, container.Lifecycle.PreStop.HttpGet.Path);
            Assert.Contains(container.Ports, p => p.Name == container.Lifecycle.PreStop.HttpGet.Port.Value);
            var preStop = Duration(container, "Shop__PreStopDelay");
            var drain = Duration(container, "Mesh__ShutdownGracePeriod");
            Assert.True(preStop > TimeSpan.Zero, deployment.Metadata.Name);
            Assert.True(drain >= new MeshOptions().DefaultDeadline, $"{deployment.Metadata.Name}: a drain of {drain} cuts calls that may run for the default deadline");
            // The sample's host allows the drain plus 5 s (HostOptions.ShutdownTimeout).
            Assert.True(preStop + drain + TimeSpan.FromSeconds(5) <= TimeSpan.FromSeconds(pod.TerminationGracePeriodSeconds ?? 30), deployment.Metadata.Name);
        }

        static TimeSpan Duration(V1Container container, string name)
            => TimeSpan.Parse(Assert.Single(container.Env, e => e.Name == name).Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Deployments_SpreadAcrossHostsAndZones()
    {
        foreach (var deployment in Deployments)
        {
            var constraints = deployment.Spec.Template.Spec.TopologySpreadConstraints;
            foreach (var key in new[] { "kubernetes.io/hostname", "topology.kubernetes.io/zone" })
            {
                var constraint = Assert.Single(constraints, c => c.TopologyKey == key);
                Assert.Equal(1, constraint.MaxSkew);
                Assert.True(IsSubset(constraint.LabelSelector.MatchLabels, deployment.Spec.Template.Metadata.Labels), $"{deployment.Metadata.Name} {key}");
            }

            Assert.Equal("DoNotSchedule", Assert.Single(constraints, c => c.TopologyKey == "kubernetes.io/hostname").WhenUnsatisfiable);
        }
    }

    [Fact]
    public void Deployments_WritableInMemoryTmpForDiagnostics()
    {
        foreach (var deployment in Deployments)
        {
            var pod = deployment.Spec.Template.Spec;
            var mount = Assert.Single(Assert.Single(pod.Containers).VolumeMounts, m => m.MountPath == "/tmp");
            Assert.NotEqual(true, mount.ReadOnlyProperty);
            var volume = Assert.Single(pod.Volumes, v => v.Name == mount.Name);
            Assert.Equal("Memory", volume.EmptyDir.Medium);
            Assert.NotNull(volume.EmptyDir.SizeLimit);
        }
    }

    [Fact]
    public void Probes_SurviveATenSecondPauseAndMinReadySecondsCoversSlowStart()
    {
        foreach (var deployment in Deployments)
        {
            var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
            var readiness = container.ReadinessProbe;
            Assert.True((readiness.FailureThreshold ?? 3) * (readiness.PeriodSeconds ?? 10) >= 10, $"{deployment.Metadata.Name}: readiness flaps under a pause");
            Assert.True((readiness.FailureThreshold ?? 3) >= 2, deployment.Metadata.Name);
            var liveness = container.LivenessProbe;
            Assert.True((liveness.FailureThreshold ?? 3) * (liveness.PeriodSeconds ?? 10) >= 30, $"{deployment.Metadata.Name}: liveness restarts a paused process");
            Assert.True(TimeSpan.FromSeconds(deployment.Spec.MinReadySeconds ?? 0) >= 2 * new MeshOptions().SlowStartWindow, $"{deployment.Metadata.Name}: minReadySeconds shorter than slow start");
        }
    }

    [Fact]
    public void Images_PinnedTags()
    {
        foreach (var deployment in Deployments)
        {
            var image = Assert.Single(deployment.Spec.Template.Spec.Containers).Image;
            Assert.Matches(@"^[a-z0-9./-]+:\d+\.\d+\.\d+$", image);
        }

        var kustomization = File.ReadAllText(Manifests.Path("samples/Shop/deploy/kustomization.yaml"));
        Assert.Matches(@"newTag: ""\d+\.\d+\.\d+""", kustomization);
        foreach (var from in File.ReadAllLines(Manifests.Path("deploy/Dockerfile")).Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)))
        {
            Assert.Matches(@"^FROM \S+:\d+\.\d+\.\d+-\S+ AS \w+$", from);
        }
    }

    [Fact]
    public void Labels_EveryObjectAndPodTemplateCarriesTheRecommendedLabels()
    {
        foreach (var item in Base.Concat(Sample).Cast<IMetadata<V1ObjectMeta>>())
        {
            Recommended(item.Metadata.Labels, $"{item.GetType().Name} {item.Metadata.Name}");
        }

        foreach (var deployment in Deployments)
        {
            Recommended(deployment.Spec.Template.Metadata.Labels, $"pods of {deployment.Metadata.Name}");
        }

        static void Recommended(IDictionary<string, string>? labels, string what)
        {
            foreach (var key in new[] { "app.kubernetes.io/name", "app.kubernetes.io/component", "app.kubernetes.io/part-of" })
            {
                Assert.True(labels?.ContainsKey(key) == true, $"{what} has no {key}");
            }
        }
    }

    [Fact]
    public void DisruptionBudgets_OneForEachTier()
    {
        // The sample includes the base: each budget once.
        var budgets = Sample.OfType<V1PodDisruptionBudget>().ToList();
        foreach (var deployment in Deployments)
        {
            Assert.Single(budgets, b => IsSubset(b.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels));
        }
    }

    [Fact]
    public void Dockerfile_RestoreLayerBeforeTheSourcesAndADockerIgnore()
    {
        var lines = File.ReadAllLines(Manifests.Path("deploy/Dockerfile"));
        var restore = Array.FindIndex(lines, l => l.StartsWith("RUN dotnet restore", StringComparison.Ordinal));
        var sources = Array.FindIndex(lines, l => l == "COPY . .");
        Assert.InRange(restore, 0, sources - 1);
        Assert.Contains(lines, l => l.Contains("--no-restore", StringComparison.Ordinal));
        // Every project the sample builds is copied for the restore layer.
        foreach (var project in new[] { "samples/Shop/Shop.csproj", "src/Mesh.Kubernetes/Mesh.Kubernetes.csproj", "src/Mesh.Runtime/Mesh.Runtime.csproj", "src/Mesh.Abstractions/Mesh.Abstractions.csproj", "generators/Mesh.Generators/Mesh.Generators.csproj" })
        {
            Assert.True(File.Exists(Manifests.Path(project)), project);
            Assert.Contains(lines[..restore], l => l.StartsWith($"COPY {project} ", StringComparison.Ordinal));
        }

        var ignored = File.ReadAllLines(Manifests.Path(".dockerignore"));
        foreach (var entry in new[] { "**/bin/", "**/obj/", ".git/" })
        {
            Assert.Contains(entry, ignored);
        }
    }

    [Fact]
    public void Security_NonRootNoEscalationReadOnlyWithResourceRequests()
    {
        foreach (var deployment in Base.Concat(Sample).OfType<V1Deployment>())
        {
            var pod = deployment.Spec.Template.Spec;
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
            var container = Assert.Single(pod.Containers);
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.True(container.Resources.Requests.ContainsKey("cpu") && container.Resources.Requests.ContainsKey("memory"));
        }

        var dockerfile = File.ReadAllLines(Manifests.Path("deploy/Dockerfile"));
        Assert.True(dockerfile.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)) >= 2, "multi-stage");
        var user = dockerfile.Last(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.Equal($"USER {Manifests.Single<V1Deployment>(Base, "mesh-node").Spec.Template.Spec.SecurityContext.RunAsUser}", user);
    }

    [Fact]
    public void SampleOverlay_ResourcesExistAndDiscoveryNamesTheHeadlessService()
    {
        foreach (var file in Manifests.Kustomization("samples/Shop/deploy", "resources").Concat(Manifests.Kustomization("samples/Shop/deploy", "patches")))
        {
            var path = Path.GetFullPath(Path.Combine(Manifests.Path("samples/Shop/deploy"), file));
            Assert.True(File.Exists(path) || Directory.Exists(path), path);
        }

        var service = Manifests.Single<V1Service>(Base, "mesh");
        var patch = k8s.KubernetesYaml.Deserialize<V1Deployment>(File.ReadAllText(Manifests.Path("samples/Shop/deploy/backend-patch.yaml")));
        Assert.Equal("mesh-node", patch.Metadata.Name);
        var frontend = Manifests.Single<V1Deployment>(Sample, "shop-frontend");
        foreach (var env in new[] { patch.Spec.Template.Spec.Containers[0].Env, frontend.Spec.Template.Spec.Containers[0].Env })
        {
            Assert.Equal(service.Metadata.Name, Assert.Single(env, e => e.Name == "Shop__DiscoveryService").Value);
        }

        Assert.Equal("backend", Assert.Single(patch.Spec.Template.Spec.Containers[0].Env, e => e.Name == "Shop__Role").Value);
        Assert.Equal("frontend", Assert.Single(frontend.Spec.Template.Spec.Containers[0].Env, e => e.Name == "Shop__Role").Value);
        var frontendService = Manifests.Single<V1Service>(Sample, "shop-frontend");
        Assert.True(IsSubset(frontendService.Spec.Selector, frontend.Spec.Template.Metadata.Labels));
    }

    private static bool IsSubset(IDictionary<string, string> selector, IDictionary<string, string> labels)
        => selector.Count > 0 && selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
}
