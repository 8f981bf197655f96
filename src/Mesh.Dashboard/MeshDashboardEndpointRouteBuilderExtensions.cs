using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Dashboard;

/// <summary>Maps the live view of a Mesh node's balancing.</summary>
public static class MeshDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves a page at <paramref name="pattern"/> that shows, refreshed every second, every peer this node's
    /// balancer sees: its share of the calls answered, calls per second, latency estimate, calls in flight, its latest
    /// load report and whether it is ready, draining or slow-starting; and the same as JSON at
    /// <c><paramref name="pattern"/>/state</c>. It reads the node's statistics only, so watching costs calls nothing.
    /// Expose it only where operators may see peer names and addresses (use <c>RequireAuthorization</c> on the result).
    /// </summary>
    public static IEndpointConventionBuilder MapMeshDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/mesh")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var root = pattern.TrimEnd('/');
        var group = endpoints.MapGroup(root.Length == 0 ? "/" : root);
        group.MapGet("/", new RequestDelegate(ServePageAsync));
        group.MapGet("/state", new RequestDelegate(ServeStateAsync));
        return group;
    }

    private static Task ServePageAsync(HttpContext context)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(DashboardPage.Html, context.RequestAborted);
    }

    private static Task ServeStateAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var state = DashboardState.Of(services.GetRequiredService<IMeshNode>(), services.GetService<TimeProvider>() ?? TimeProvider.System);
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, state, DashboardJsonContext.Default.DashboardState, context.RequestAborted);
    }
}
