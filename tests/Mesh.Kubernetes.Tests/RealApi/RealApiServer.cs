using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;

namespace Mesh.Kubernetes.Tests.RealApi;

/// <summary>
/// A real Kubernetes API server for the tests (envtest-style): etcd (Debian's <c>etcd-server</c>) and the
/// <c>kube-apiserver</c> binary named by <see cref="Variable"/>, on loopback ports of this machine, with RBAC
/// authorization, a ServiceAccount token signer and an admin token. No controllers run: tests write the
/// EndpointSlices themselves. One instance serves a whole test collection; each test works in its own namespace.
/// Endpoint addresses the tests write (10.77.x.y) are data only: discovery is tested up to the peer set it
/// publishes, nothing connects to them, so they need no network namespace.
/// </summary>
public class RealApiServer : IAsyncLifetime
{
    public const string Variable = "MESH_KUBE_APISERVER";
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(90);
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("mesh-kube-").FullName;
    private readonly string _adminToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    private Process? _etcd;
    private Process? _apiServer;
    private int _etcdPort;
    private int _etcdPeerPort;
    private int _port;
    private k8s.Kubernetes? _admin;
    private X509Certificate2Collection? _caCertificates;
    private int _namespaces;
    private NetworkNamespace? _network;

    /// <summary>When non-null, etcd and the API server run inside a network namespace holding these addresses.</summary>
    protected virtual IReadOnlyList<string>? NamespaceAddresses => null;

    /// <summary>The network namespace etcd, the API server and <see cref="StartProcess"/>'s processes run in, if any.</summary>
    internal NetworkNamespace? Network => _network;

    /// <summary>The PEM file of the CA that issued the API server's certificate (for kubeconfigs).</summary>
    public string CaFile => Path.Combine(_directory, "certs", "apiserver.crt");

    /// <summary>A scratch directory deleted with the fixture.</summary>
    public string Directory => _directory;

    /// <summary>A client with cluster-admin rights (system:masters), for the tests' own writes.</summary>
    public IKubernetes Admin => _admin ?? throw new InvalidOperationException("The API server is not running.");

    public string Host => $"https://127.0.0.1:{_port}";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } binary)
        {
            return;
        }

        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"{Variable} names '{binary}', which does not exist.");
        }

        var etcd = FindOnPath("etcd") ?? throw new InvalidOperationException("etcd is not on PATH: install Debian's etcd-server (apt-get install -y etcd-server).");
        if (NamespaceAddresses is { } addresses)
        {
            _network = await NetworkNamespace.CreateAsync(addresses);
        }

        WriteCredentials();
        (_etcdPort, _etcdPeerPort, _port) = (FreePort(), FreePort(), FreePort());
        _etcd = Start(etcd, [
            "--name", "mesh-test", "--data-dir", Path.Combine(_directory, "etcd"),
            "--listen-client-urls", $"http://127.0.0.1:{_etcdPort}", "--advertise-client-urls", $"http://127.0.0.1:{_etcdPort}",
            "--listen-peer-urls", $"http://127.0.0.1:{_etcdPeerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{_etcdPeerPort}",
            "--initial-cluster", $"mesh-test=http://127.0.0.1:{_etcdPeerPort}",
        ], "etcd.log");
        await StartApiServerAsync();
    }

    /// <summary>Kills the API server (SIGKILL: a 1.26 server holds watches ~60 s after SIGTERM) and starts it again on the same port and etcd.</summary>
    public async Task RestartApiServerAsync(Func<Task>? whileDown = null)
    {
        await StopAsync(_apiServer);
        if (whileDown is not null)
        {
            await whileDown();
        }

        await StartApiServerAsync();
    }

    /// <summary>A fresh namespace holding the ServiceAccount <c>mesh</c> and, when asked, deploy/'s Role and RoleBinding.</summary>
    public async Task<string> CreateNamespaceAsync(bool grantDiscovery = true)
    {
        var ns = await CreateEmptyNamespaceAsync();
        await Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "mesh" } }, ns);
        await Admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(DeployObject<V1Role>("role.yaml"), ns);
        if (grantDiscovery)
        {
            await GrantDiscoveryAsync(ns);
        }

        return ns;
    }

    /// <summary>A fresh, empty namespace.</summary>
    public async Task<string> CreateEmptyNamespaceAsync()
    {
        var ns = string.Create(CultureInfo.InvariantCulture, $"mesh-{Environment.ProcessId}-{Interlocked.Increment(ref _namespaces)}");
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        return ns;
    }

    /// <summary>Binds deploy/'s Role to the ServiceAccount <c>mesh</c> (deploy/base/rolebinding.yaml).</summary>
    public Task GrantDiscoveryAsync(string ns)
        => Admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(DeployObject<V1RoleBinding>("rolebinding.yaml"), ns);

    /// <summary>A client configuration that authenticates as the namespace's ServiceAccount <c>mesh</c>, with a real token.</summary>
    public async Task<KubernetesClientConfiguration> ServiceAccountConfigurationAsync(string ns)
    {
        var request = await Admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = [], ExpirationSeconds = 3600 } }, "mesh", ns);
        return Configuration(request.Status.Token, ns);
    }

    /// <summary>
    /// Makes every list taken so far too old to continue, as a real cluster's periodic etcd compaction does: writes an
    /// object in <paramref name="ns"/> (so etcd's revision passes every list's), then compacts etcd's history up to that
    /// revision through etcd's own API. Returns the revision compacted to.
    /// </summary>
    public async Task<long> CompactEtcdAsync(string ns)
    {
        if (_network is not null)
        {
            throw new InvalidOperationException("etcd runs inside the network namespace; compact it from the server without one.");
        }

        await Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "compaction-" } }, ns);
        using var etcd = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_etcdPort}") };
        using var range = await etcd.PostAsync(new Uri("/v3/kv/range", UriKind.Relative), Json(new { key = Convert.ToBase64String("/"u8), limit = 1 }));
        range.EnsureSuccessStatusCode();
        using var header = System.Text.Json.JsonDocument.Parse(await range.Content.ReadAsStringAsync());
        var revision = long.Parse(header.RootElement.GetProperty("header").GetProperty("revision").GetString()!, CultureInfo.InvariantCulture);
        using var compact = await etcd.PostAsync(new Uri("/v3/kv/compaction", UriKind.Relative), Json(new { revision = revision.ToString(CultureInfo.InvariantCulture), physical = true }));
        Assert.True(compact.IsSuccessStatusCode, $"etcd refused the compaction: {await compact.Content.ReadAsStringAsync()}");
        return revision;

        static StringContent Json(object body) => new(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        await StopAsync(_apiServer);
        await StopAsync(_etcd);
        DisposeCertificates();
        if (_network is not null)
        {
            await _network.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private KubernetesClientConfiguration Configuration(string token, string ns) => new()
    {
        Host = Host,
        AccessToken = token,
        Namespace = ns,
        SslCaCerts = _caCertificates,
        FirstMessageHandlerSetup = _network is { } network
            ? handler => ((SocketsHttpHandler)handler).ConnectCallback = network.ConnectAsync
            : null,
    };

    /// <summary>
    /// Starts <paramref name="path"/> (in the network namespace when there is one) and collects its output
    /// lines; the returned process is killed on dispose.
    /// </summary>
    internal OutputProcess StartProcess(string path, IEnumerable<string> arguments)
    {
        var start = _network?.StartInfo(path, arguments) ?? new ProcessStartInfo(path, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        return new OutputProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}"));
    }

    private async Task StartApiServerAsync()
    {
        var certificates = Path.Combine(_directory, "certs");
        _apiServer = Start(Environment.GetEnvironmentVariable(Variable)!, [
            $"--etcd-servers=http://127.0.0.1:{_etcdPort}", "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            $"--secure-port={_port}", $"--cert-dir={certificates}",
            $"--token-auth-file={Path.Combine(_directory, "tokens.csv")}", "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            $"--service-account-key-file={Path.Combine(_directory, "sa.pub")}",
            $"--service-account-signing-key-file={Path.Combine(_directory, "sa.key")}",
            "--service-cluster-ip-range=10.96.0.0/16", "--endpoint-reconciler-type=none",
            "--disable-admission-plugins=ServiceAccount",
        ], "apiserver.log");

        // Poll /readyz with the admin token until the server (and its RBAC bootstrap) is ready.
        using var timeout = new CancellationTokenSource(StartBound);
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        if (_network is { } network)
        {
            handler.ConnectCallback = network.ConnectAsync;
        }

        using var http = new HttpClient(handler);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _adminToken);
        while (true)
        {
            if (_apiServer.HasExited || _etcd!.HasExited)
            {
                throw new InvalidOperationException($"kube-apiserver or etcd exited while starting: {Tail("apiserver.log")}\n{Tail("etcd.log")}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"{Host}/readyz"), timeout.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"kube-apiserver was not ready within {StartBound}: {Tail("apiserver.log")}");
            }

            // The server gives no readiness signal other than this endpoint: poll it.
            await Task.Delay(200, timeout.Token);
        }

        // apiserver.crt holds the serving certificate and the self-signed CA that issued it.
        DisposeCertificates();
        _caCertificates = [];
        _caCertificates.ImportFromPemFile(Path.Combine(certificates, "apiserver.crt"));
        _admin?.Dispose();
        _admin = new k8s.Kubernetes(Configuration(_adminToken, "default"));
    }

    private void DisposeCertificates()
    {
        foreach (var certificate in _caCertificates ?? [])
        {
            certificate.Dispose();
        }
    }

    private void WriteCredentials()
    {
        using var rsa = RSA.Create(2048);
        File.WriteAllText(Path.Combine(_directory, "sa.key"), rsa.ExportRSAPrivateKeyPem());
        File.WriteAllText(Path.Combine(_directory, "sa.pub"), rsa.ExportSubjectPublicKeyInfoPem());
        File.WriteAllText(Path.Combine(_directory, "tokens.csv"), $"{_adminToken},admin,admin,\"system:masters\"\n");
    }

    private Process Start(string path, string[] arguments, string log)
    {
        var start = _network?.StartInfo(path, arguments) ?? new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (_network is null)
        {
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        var writer = new StreamWriter(Path.Combine(_directory, log), append: true, Encoding.UTF8) { AutoFlush = true };
        var gate = new Lock();
        void Write(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is { } line)
            {
                lock (gate)
                {
                    writer.WriteLine(line);
                }
            }
        }

        process.OutputDataReceived += Write;
        process.ErrorDataReceived += Write;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task StopAsync(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }

    private string Tail(string log)
    {
        var path = Path.Combine(_directory, log);
        if (!File.Exists(path))
        {
            return "(no log)";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return text.Length > 3000 ? text[^3000..] : text;
    }

    private static T DeployObject<T>(string file)
    {
        var path = Path.Combine(RepositoryRoot(), "deploy", "base", file);
        return KubernetesYaml.Deserialize<T>(File.ReadAllText(path));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mesh.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Mesh.sln not found above the test assembly");
    }

    private static string? FindOnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class RealApiServerCollection : ICollectionFixture<RealApiServer>
{
    public const string Name = "real kube-apiserver";
}

/// <summary>The real API server inside a network namespace that also holds the Pods' addresses 10.77.0.1-4.</summary>
public sealed class RealApiServerInNetworkNamespace : RealApiServer
{
    public static readonly string[] PodAddresses = ["10.77.0.1", "10.77.0.2", "10.77.0.3", "10.77.0.4"];

    protected override IReadOnlyList<string>? NamespaceAddresses => PodAddresses;
}

[CollectionDefinition(Name)]
public sealed class RealApiServerInNetworkNamespaceCollection : ICollectionFixture<RealApiServerInNetworkNamespace>
{
    public const string Name = "real kube-apiserver in a network namespace";
}
