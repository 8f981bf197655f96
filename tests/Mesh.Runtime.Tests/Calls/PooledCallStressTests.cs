using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Calls;

/// <summary>
/// Many concurrent calls of different kinds — answered, failing remotely, cancelled by the caller while in
/// flight — over pooled call state: each ends once, with its own outcome (a pooled operation or pending call
/// never hands one call's result to another).
/// </summary>
public sealed class PooledCallStressTests
{
    [Fact]
    public async Task Calls_MixedOutcomesAt256InFlight_EachEndsWithItsOwnOutcome()
    {
        // Each failure carries its own message, so a pooled call that crossed into another call's outcome shows.
        await using var cluster = await TestCluster.StartAsync(
            servers: 2,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.SendExceptionMessages = true));
        var service = cluster.ClientService<ITestService>();
        var random = new Random(7);
        var answered = 0;
        var cancelled = 0;
        var failed = 0;
        for (var wave = 0; wave < 40; wave++)
        {
            var calls = new List<Task>();
            using var cancel = new CancellationTokenSource();
            for (var i = 0; i < 256; i++)
            {
                var id = (wave * 256) + i;
                switch (random.Next(8))
                {
                    case 0:
                        calls.Add(Expect<RemoteInvocationException>(service.Fail($"boom {id}"), ex => Assert.Contains($"boom {id}", ex.Message, StringComparison.Ordinal), () => Interlocked.Increment(ref failed)));
                        break;
                    case 1:
                        // Cancelled while in flight (below): either it was answered first, or it ends as cancelled.
                        calls.Add(EchoOrCancelled(service.Echo(id, cancel.Token), id, () => Interlocked.Increment(ref answered), () => Interlocked.Increment(ref cancelled)));
                        break;
                    case 2 or 3:
                        calls.Add(Check(service.Echo(id), reply => Assert.Equal(id, reply.Value), () => Interlocked.Increment(ref answered)));
                        break;
                    default:
                        calls.Add(Check(service.Add(id, 1_000_000).AsTask(), sum => Assert.Equal(id + 1_000_000, sum), () => Interlocked.Increment(ref answered)));
                        break;
                }
            }

            await cancel.CancelAsync();
            await Task.WhenAll(calls).WaitAsync(TestCluster.Bound);
        }

        // Every call was checked above; these make sure the mix really held each kind.
        Assert.True(failed > 0 && answered > 0, $"answered {answered}, cancelled {cancelled}, failed {failed}");
    }

    private static async Task Check<T>(Task<T> call, Action<T> verify, Action count)
    {
        verify(await call);
        count();
    }

    private static async Task EchoOrCancelled(Task<EchoReply> call, int id, Action answered, Action cancelled)
    {
        try
        {
            Assert.Equal(id, (await call).Value);
            answered();
        }
        catch (OperationCanceledException)
        {
            cancelled();
        }
    }

    private static async Task Expect<TException>(Task call, Action<TException> verify, Action count)
        where TException : Exception
    {
        verify(await Assert.ThrowsAsync<TException>(() => call));
        count();
    }
}
