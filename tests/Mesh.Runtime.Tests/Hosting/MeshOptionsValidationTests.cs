using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Runtime.Tests.Hosting;

public sealed class MeshOptionsValidationTests
{
    [Theory]
    [InlineData("ListenEndpoint", "not-an-endpoint")]
    [InlineData("StaticPeers", "nohostport")]
    [InlineData("DefaultDeadline", "0")]
    [InlineData("MaxFrameSize", "12")]
    [InlineData("MeshName", "")]
    [InlineData("LoadBalancingPolicy", "Random")]
    [InlineData("ServiceLoadBalancingPolicies", "Random")]
    [InlineData("LoadReportInterval", "0")]
    [InlineData("LoadReportWeight", "-1")]
    [InlineData("KeyedLoadBound", "0")]
    [InlineData("KeyedLoadBound", "NaN")]
    [InlineData("MaxCallsInFlightPerLink", "0")]
    [InlineData("ConnectionsPerPeer", "0")]
    [InlineData("ConnectionsPerPeer", "65")]
    [InlineData("LocalCalls", "7")]
    [InlineData("MaxConcurrentCalls", "0")]
    [InlineData("HeartbeatInterval", "0")]
    [InlineData("HeartbeatTimeout", "1")]
    [InlineData("ApertureThreshold", "0")]
    [InlineData("ApertureMinPeers", "0")]
    [InlineData("ApertureMinPeers", "33")]
    [InlineData("MaxLinkAttemptsInProgress", "0")]
    [InlineData("MaxLinkAttemptsInProgress", "1025")]
    [InlineData("MaxNodeSendQueueBytes", "1048576")]
    public async Task StartAsync_InvalidOption_FailsNamingTheOption(string option, string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<NodeProbe>();
        builder.Services.AddTestMesh(options =>
        {
            options.ListenEndpoint = "127.0.0.1:0";
            switch (option)
            {
                case "ListenEndpoint": options.ListenEndpoint = value; break;
                case "StaticPeers": options.StaticPeers.Add(value); break;
                case "DefaultDeadline": options.DefaultDeadline = TimeSpan.FromSeconds(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
                case "MaxFrameSize": options.MaxFrameSize = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "MeshName": options.MeshName = value; break;
                case "LoadBalancingPolicy": options.LoadBalancingPolicy = value; break;
                case "ServiceLoadBalancingPolicies": options.ServiceLoadBalancingPolicies["Shop.IInventory"] = value; break;
                case "LoadReportInterval": options.LoadReportInterval = TimeSpan.FromMilliseconds(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
                case "LoadReportWeight": options.LoadReportWeight = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "MaxNodeSendQueueBytes": options.MaxNodeSendQueueBytes = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "KeyedLoadBound": options.KeyedLoadBound = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "LocalCalls": options.LocalCalls = (LocalCallMode)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "ConnectionsPerPeer": options.ConnectionsPerPeer = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "MaxCallsInFlightPerLink": options.MaxCallsInFlightPerLink = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "MaxConcurrentCalls": options.MaxConcurrentCalls = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "HeartbeatInterval": options.HeartbeatInterval = TimeSpan.FromSeconds(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
                case "HeartbeatTimeout": options.HeartbeatTimeout = TimeSpan.FromSeconds(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
                case "ApertureThreshold": options.ApertureThreshold = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "ApertureMinPeers": options.ApertureMinPeers = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "MaxLinkAttemptsInProgress": options.MaxLinkAttemptsInProgress = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            }
        }).AddService<ITestService, TestService>();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(TestCluster.Bound));

        Assert.Contains($"MeshOptions.{option}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_HostsServicesWithoutListenEndpoint_FailsNamingListenEndpoint()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<NodeProbe>();
        builder.Services.AddTestMesh().AddService<ITestService, TestService>();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(TestCluster.Bound));

        Assert.Contains("MeshOptions.ListenEndpoint must be set", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ListenEndpointInUse_FailsNamingListenEndpoint()
    {
        await using var node = await TestNode.StartAsync("first");
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<NodeProbe>();
        builder.Services.AddTestMesh(o => o.ListenEndpoint = node.EndPoint.ToString()).AddService<ITestService, TestService>();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().WaitAsync(TestCluster.Bound));

        Assert.Contains("MeshOptions.ListenEndpoint", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NeitherTlsNorPlaintextChosen_FailsNamingBothOptions()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<NodeProbe>();
        builder.Services.AddMesh(o => o.ListenEndpoint = "127.0.0.1:0").AddService<ITestService, TestService>();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(TestCluster.Bound));

        Assert.Contains("MeshOptions.Tls", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MeshOptions.AllowPlaintext", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_PlaintextChosenExplicitly_Starts()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<NodeProbe>();
        builder.Services.AddMesh(o =>
        {
            o.ListenEndpoint = "127.0.0.1:0";
            o.AllowPlaintext = true;
        }).AddService<ITestService, TestService>();
        using var host = builder.Build();

        await host.StartAsync().WaitAsync(TestCluster.Bound);

        Assert.True(host.Services.GetRequiredService<IMeshNode>().IsReady);
        await host.StopAsync().WaitAsync(TestCluster.Bound);
    }
}
