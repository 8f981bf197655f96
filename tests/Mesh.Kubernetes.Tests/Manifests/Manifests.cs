using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Mesh.Kubernetes.Tests.Manifests;

/// <summary>Loads the repository's kustomizations and their manifests with the client's YAML loader.</summary>
internal static class Manifests
{
    private static readonly Dictionary<string, Type> Types = new()
    {
        ["v1/ServiceAccount"] = typeof(V1ServiceAccount),
        ["v1/Service"] = typeof(V1Service),
        ["v1/Namespace"] = typeof(V1Namespace),
        ["rbac.authorization.k8s.io/v1/Role"] = typeof(V1Role),
        ["rbac.authorization.k8s.io/v1/RoleBinding"] = typeof(V1RoleBinding),
        ["apps/v1/Deployment"] = typeof(V1Deployment),
        ["policy/v1/PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
    };

    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    /// <summary>The files a kustomization lists under <paramref name="key"/> (resources, patches' paths).</summary>
    public static IReadOnlyList<string> Kustomization(string directory, string key)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(System.IO.Path.Combine(Path(directory), "kustomization.yaml")))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        if (!root.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return [];
        }

        return [.. ((YamlSequenceNode)node).Children.Select(child => child switch
        {
            YamlScalarNode scalar => scalar.Value!,
            YamlMappingNode mapping => ((YamlScalarNode)mapping.Children[new YamlScalarNode("path")]).Value!,
            _ => throw new InvalidDataException($"unexpected {key} entry in {directory}/kustomization.yaml"),
        })];
    }

    /// <summary>Every object of the kustomization in <paramref name="directory"/>, following nested kustomizations.</summary>
    public static List<object> Load(string directory)
    {
        var objects = new List<object>();
        foreach (var resource in Kustomization(directory, "resources"))
        {
            var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(Path(directory), resource));
            if (Directory.Exists(path))
            {
                objects.AddRange(Load(System.IO.Path.GetRelativePath(Root, path)));
            }
            else
            {
                objects.AddRange(KubernetesYaml.LoadAllFromString(File.ReadAllText(path), Types, strict: true));
            }
        }

        return objects;
    }

    public static T Single<T>(IEnumerable<object> objects, string name)
        where T : IMetadata<V1ObjectMeta>
        => objects.OfType<T>().Single(o => o.Metadata.Name == name);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Mesh.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Mesh.sln not found above {AppContext.BaseDirectory}");
    }
}
