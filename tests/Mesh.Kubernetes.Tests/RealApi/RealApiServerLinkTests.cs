using k8s;
using System.Globalization;
using k8s.Models;
using Mesh.Kubernetes.Tests.FakeApi;
using Xunit.Abstractions;

namespace Mesh.Kubernetes.Tests.RealApi;

/// <summary>
/// The whole path on a real API server: shop back-end processes listening on Pod addresses inside a network
/// namespace, a front-end process there discovering them with a real ServiceAccount token under deploy/'s
/// Role, linking to them and calling them; EndpointSlice writes from this process change its links.
/// </summary>
[Collection(RealApiServerInNetworkNamespaceCollection.Name)]
public sealed class RealApiServerLinkTests(RealApiServerInNetworkNamespace server, ITestOutputHelper output)
{
    private const string Service = "shop";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [RealApiServerFact]
    public async Task SliceWrites_FrontEndLinksAndUnlinksBackEnds_TimesReported()
    {
        const int Rounds = 15;
        var ns = await server.CreateNamespaceAsync();
        var shop = Shop();
        var backends = new List<OutputProcess>();
        OutputProcess? frontend = null;
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                var address = RealApiServerInNetworkNamespace.PodAddresses[i - 1];
                backends.Add(server.StartProcess("dotnet", [shop, "--Shop:Role=backend", $"--Mesh:NodeId=backend-{i}", $"--Mesh:ListenEndpoint={address}:7800", "--urls", $"http://{address}:8080", .. Logging()]));
            }

            foreach (var backend in backends)
            {
                await backend.WaitForLineAsync(l => l.Contains(" ready: mesh ", StringComparison.Ordinal), 0, Bound);
            }

            await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, Pod(1), Pod(2)));
            var kubeConfig = await WriteKubeConfigAsync(ns);
            frontend = server.StartProcess("dotnet", [shop, "--Shop:Role=frontend", $"--Shop:DiscoveryService={Service}", $"--Shop:DiscoveryNamespace={ns}", $"--Shop:KubeConfig={kubeConfig}", "--Mesh:NodeId=frontend", "--urls", $"http://{RealApiServerInNetworkNamespace.PodAddresses[3]}:8080", .. Logging()]);
            await frontend.WaitForLineAsync(l => l.Contains("Linked to peer backend-1 ", StringComparison.Ordinal), 0, Bound);
            await frontend.WaitForLineAsync(l => l.Contains("Linked to peer backend-2 ", StringComparison.Ordinal), 0, Bound);

            var linked = new List<double>();
            var unlinked = new List<double>();
            for (var round = 0; round < Rounds; round++)
            {
                var from = frontend.LineCount;
                var sent = DateTime.UtcNow.TimeOfDay;
                await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, Pod(1), Pod(2), Pod(3)));
                var (line, index) = await frontend.WaitForLineAsync(l => l.Contains("Linked to peer backend-3 ", StringComparison.Ordinal), from, Bound);
                linked.Add((Timestamp(line) - sent).TotalMilliseconds);

                sent = DateTime.UtcNow.TimeOfDay;
                await UpsertAsync(ns, Slices.Of("shop-a", Service, 7800, Pod(1), Pod(2)));
                (line, _) = await frontend.WaitForLineAsync(l => l.Contains("Link to peer backend-3 ", StringComparison.Ordinal) && l.Contains(" closed", StringComparison.Ordinal), index + 1, Bound);
                unlinked.Add((Timestamp(line) - sent).TotalMilliseconds);
            }

            // The front-end's HTTP API answers through the mesh, from the back-ends discovery found.
            using var handler = new SocketsHttpHandler { ConnectCallback = server.Network!.ConnectAsync };
            using var http = new HttpClient(handler) { Timeout = Bound };
            var answers = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < 20; i++)
            {
                var answer = await http.GetStringAsync(new Uri($"http://{RealApiServerInNetworkNamespace.PodAddresses[3]}:8080/api/stock/apple"));
                answers.Add(answer[(answer.IndexOf("answered by ", StringComparison.Ordinal) + "answered by ".Length)..].TrimEnd(')'));
            }

            // backend-3 left the slice last: only the two listed back-ends answer (which of them is the policy's choice).
            Assert.NotEmpty(answers);
            Assert.Subset(new HashSet<string>(["backend-1", "backend-2"], StringComparer.Ordinal), answers);

            Report("EndpointSlice write -> link up  ", linked);
            Report("EndpointSlice write -> link down", unlinked);
            Assert.Equal(Rounds, linked.Count);
            Assert.Equal(Rounds, unlinked.Count);
            Assert.DoesNotContain("Forbidden", frontend.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (frontend is not null)
            {
                await frontend.DisposeAsync();
            }

            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }
    }

    private static Ep Pod(int index) => new(RealApiServerInNetworkNamespace.PodAddresses[index - 1], Uid: $"pod-{index}");

    /// <summary>Information logs of the mesh with UTC microsecond timestamps on one line each.</summary>
    private static string[] Logging() =>
    [
        "--Mesh:AllowPlaintext=true", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Mesh=Information",
        "--Logging:Console:FormatterName=simple", "--Logging:Console:FormatterOptions:SingleLine=true",
        "--Logging:Console:FormatterOptions:UseUtcTimestamp=true", "--Logging:Console:FormatterOptions:TimestampFormat=HH:mm:ss.ffffff ",
    ];

    private static TimeSpan Timestamp(string line)
        => TimeSpan.ParseExact(line[..line.IndexOf(' ', StringComparison.Ordinal)], @"hh\:mm\:ss\.ffffff", CultureInfo.InvariantCulture);

    private void Report(string what, List<double> times)
    {
        times.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}, real kube-apiserver 1.26, {times.Count} writes: p50 {times[times.Count / 2]:0.0} ms, p90 {times[times.Count * 9 / 10]:0.0} ms, max {times[^1]:0.0} ms"));
    }

    private static string Shop()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Shop.dll");
        Assert.True(File.Exists(path), $"{path} was not built");
        return path;
    }

    private async Task<string> WriteKubeConfigAsync(string ns)
    {
        var configuration = await server.ServiceAccountConfigurationAsync(ns);
        var path = Path.Combine(server.Directory, $"kubeconfig-{ns}");
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: real
              cluster:
                server: {server.Host}
                certificate-authority: {server.CaFile}
            contexts:
            - name: real
              context:
                cluster: real
                namespace: {ns}
                user: mesh
            current-context: real
            users:
            - name: mesh
              user:
                token: {configuration.AccessToken}
            """);
        return path;
    }

    private async Task UpsertAsync(string ns, V1EndpointSlice slice)
    {
        slice.Metadata.NamespaceProperty = ns;
        foreach (var endpoint in slice.Endpoints)
        {
            endpoint.TargetRef.NamespaceProperty = ns;
        }

        try
        {
            await server.Admin.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(slice, slice.Metadata.Name, ns);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            await server.Admin.DiscoveryV1.CreateNamespacedEndpointSliceAsync(slice, ns);
        }
    }
}
