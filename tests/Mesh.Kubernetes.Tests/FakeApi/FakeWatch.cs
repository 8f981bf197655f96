using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace Mesh.Kubernetes.Tests.FakeApi;

/// <summary>One open watch: its filter and the lines queued for it (bounded; a watcher that falls behind is cut, as the API server does).</summary>
internal sealed class FakeWatch(HttpContext context, string ns, LabelSelector selector, bool bookmarks, bool silent)
{
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000) { SingleReader = true });

    public HttpContext Context => context;

    public string Namespace => ns;

    public LabelSelector Selector => selector;

    public bool Bookmarks => bookmarks;

    /// <summary>A silent (half-open) watch gets nothing, not even its timeout close.</summary>
    public bool Silent { get; set; } = silent;

    public int Sent { get; set; }

    public ChannelReader<string> Lines => _lines.Reader;

    public void Send(string line)
    {
        if (!Silent && !_lines.Writer.TryWrite(line))
        {
            context.Abort();
        }
    }

    public void Complete() => _lines.Writer.TryComplete();
}
