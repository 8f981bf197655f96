using System.Diagnostics;
using Mesh.Calls;
using Mesh.Invocation;
using Mesh.Transport;

namespace Mesh.Runtime.Tests.Calls;

/// <summary>
/// Races every way a call can end — response, link failure, deadline, caller's token — a million times
/// over pooled calls, and checks each call ends exactly once with an outcome that one of its completers
/// actually produced (a pooled call never carries a previous call's deadline or token into the next).
/// </summary>
public sealed class PendingCallRaceTests
{
    private const int Rounds = 500;
    private const int Batch = 2000;
    private static readonly MeshMethod Method = new("Race.Service", "Call", 1, isIdempotent: false);

    [Fact]
    public async Task Complete_ResponseCancelDeadlineAndLinkFailureRacing_EveryCallEndsExactlyOnce()
    {
        var random = new Random(42);
        long results = 0, deadlines = 0, cancels = 0, failures = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var table = new PendingTable(Batch);
            var calls = new PendingCall[Batch];
            var ids = new long[Batch];
            var shortDeadline = new bool[Batch];
            using var userCancel = new CancellationTokenSource();
            var cancellable = new bool[Batch];
            for (var i = 0; i < Batch; i++)
            {
                shortDeadline[i] = random.Next(8) == 0;
                cancellable[i] = random.Next(8) == 0;
                // A short deadline has already passed when the sweep below first looks.
                var remaining = shortDeadline[i] ? TimeSpan.Zero : TimeSpan.FromSeconds(60);
                calls[i] = PendingCall.Start(
                    Method,
                    TimeSpan.FromSeconds(60),
                    Stopwatch.GetTimestamp() + (long)(remaining.TotalSeconds * Stopwatch.Frequency),
                    cancellable[i] ? userCancel.Token : CancellationToken.None);
                Assert.True(table.TryAdd(calls[i], out ids[i]));
            }

            var producedResult = new int[Batch];
            var producedFailure = new int[Batch];
            var failAt = random.Next(Batch * 2);
            var responder = Task.Run(() =>
            {
                for (var i = 0; i < Batch; i++)
                {
                    // As the link does: claim, then publish.
                    if (table.TryRemove(ids[i]) is { } call && call.TryClaim())
                    {
                        producedResult[i] = 1;
                        call.PublishResult(default);
                    }
                }
            });
            var canceller = Task.Run(userCancel.Cancel);

            // The link's watchdog sweep, racing the others.
            var sweeper = Task.Run(() => table.ExpireOverdue(Stopwatch.GetTimestamp()));
            var linkFailure = Task.Run(() =>
            {
                if (failAt >= Batch)
                {
                    return;
                }

                foreach (var call in table.Close())
                {
                    if (call.TryClaim())
                    {
                        producedFailure[Array.IndexOf(calls, call)] = 1;
                        call.PublishException(new PeerUnavailableException("link closed"));
                    }
                }
            });

            var outcomes = new Task<string>[Batch];
            for (var i = 0; i < Batch; i++)
            {
                outcomes[i] = AwaitAsync(table, calls[i], ids[i]);
            }

            await Task.WhenAll(responder, canceller, linkFailure, sweeper).WaitAsync(TimeSpan.FromSeconds(30));
            var ended = await Task.WhenAll(outcomes).WaitAsync(TimeSpan.FromSeconds(30));
            for (var i = 0; i < Batch; i++)
            {
                switch (ended[i])
                {
                    case "result":
                        Assert.Equal(1, producedResult[i]);
                        results++;
                        break;
                    case "peer_unavailable":
                        Assert.Equal(1, producedFailure[i]);
                        failures++;
                        break;
                    case "deadline":
                        Assert.True(shortDeadline[i], $"call {i} of round {round} expired without a short deadline");
                        deadlines++;
                        break;
                    case "cancelled":
                        Assert.True(cancellable[i], $"call {i} of round {round} was cancelled without a token");
                        cancels++;
                        break;
                    default:
                        Assert.Fail(ended[i]);
                        break;
                }

                Assert.Equal(1, producedResult[i] + producedFailure[i] + (ended[i] is "deadline" or "cancelled" ? 1 : 0));
            }

            Assert.Equal(0, table.Count);
        }

        Assert.Equal((long)Rounds * Batch, results + deadlines + cancels + failures);
        // Every way of ending was raced and won at least once, the sweep's deadline included.
        Assert.True(results > 0 && cancels > 0 && deadlines > 0, $"results {results}, cancels {cancels}, deadlines {deadlines}");
    }

    private static async Task<string> AwaitAsync(PendingTable table, PendingCall call, long callId)
    {
        try
        {
            using var response = await call.Task;
            return "result";
        }
        catch (DeadlineExceededException)
        {
            return "deadline";
        }
        catch (OperationCanceledException)
        {
            return "cancelled";
        }
        catch (PeerUnavailableException)
        {
            return "peer_unavailable";
        }
        finally
        {
            // As the link's Finish does: a call removed here, or one the link completed, can be reused.
            var removedHere = table.TryRemove(callId) is not null;
            call.Release(poolable: removedHere || call.CompletedByLink);
        }
    }
}
