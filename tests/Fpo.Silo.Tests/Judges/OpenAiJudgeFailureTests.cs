using System.Diagnostics;
using Fpo.Alignment.Judges;
using static Fpo.Silo.Tests.Judges.ScriptedJudge;

namespace Fpo.Silo.Tests.Judges;

/// <summary>
/// The judge's failures against a scripted server on 127.0.0.1, through the HTTP resilience pipeline: 429 with
/// Retry-After is retried after the asked wait and counted; 429 or 500 for ever abstains after max_retries; a hanging
/// server times out into an abstention, per attempt and in total; garbage replies and errors abstain and never become
/// labels; the caller's cancellation still throws.
/// </summary>
public sealed class OpenAiJudgeFailureTests
{
    [Fact]
    public async Task TwoTooManyRequestsAreRetriedAfterTheirRetryAfter()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) =>
        {
            if (call.Attempt > 2) return ScriptedServer.Reply(context, 200, ByOrder(call));
            context.Response.Headers.RetryAfter = "1";
            return ScriptedServer.Reply(context, 429, ScriptedServer.Error("queue full", "rate_limit_error"));
        });
        using var judge = Connect(server);
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(0.85, verdict.ProbabilityA!.Value, 1e-5);
        Assert.Equal(0.9, verdict.AFirst!.Value, 1e-5);
        Assert.Equal(0.8, verdict.ASecond!.Value, 1e-5);
        Assert.Equal(4, judge.Counters.Retries);  // two per order
        Assert.Equal(6, judge.Counters.Calls);
        foreach (var order in server.Calls.GroupBy(c => c.Prompt))
        {
            var times = order.OrderBy(c => c.Attempt).Select(c => c.At).ToList();
            Assert.Equal(3, times.Count);
            // Retry-After: 1 s, although the backoff alone would have waited at most 50 ms
            Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(0.99), $"retried after {(times[1] - times[0]).TotalSeconds:F3} s");
            Assert.True(times[2] - times[1] >= TimeSpan.FromSeconds(0.99), $"retried after {(times[2] - times[1]).TotalSeconds:F3} s");
        }
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task AServerThatNeverRecoversAbstainsAfterMaxRetries(int status)
    {
        await using var server = await ScriptedServer.StartAsync((_, context) =>
        {
            context.Response.Headers.RetryAfter = "0";
            return ScriptedServer.Reply(context, status, ScriptedServer.Error("not now", "server_error"));
        });
        using var judge = Connect(server, s => s with { MaxRetries = 2 });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(AbstentionReason.CallFailed, verdict.Abstention);
        Assert.StartsWith($"HTTP {status}: ", verdict.Detail);
        Assert.Equal(6, server.Calls.Count);  // the first attempt and two retries, per order
        Assert.Equal(4, judge.Counters.Retries);
        Assert.Equal(6, judge.Counters.Calls);
        Assert.Equal(1, judge.Counters.Abstentions(AbstentionReason.CallFailed));
        Assert.Equal(0, judge.Counters.Labels);
    }

    [Fact]
    public async Task AHangingServerTimesOutIntoAnAbstention()
    {
        await using var server = await ScriptedServer.StartAsync((_, context) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        using var judge = Connect(server, s => s with { Timeout = TimeSpan.FromMilliseconds(400), MaxRetries = 1 });
        var clock = Stopwatch.StartNew();
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(AbstentionReason.Timeout, verdict.Abstention);
        Assert.Null(verdict.ProbabilityA);
        Assert.Equal("no answer within 0.4 s", verdict.Detail);
        Assert.Equal(1, judge.Counters.Abstentions(AbstentionReason.Timeout));
        Assert.Equal(0, judge.Counters.Labels);
        Assert.Equal(4, judge.Counters.Calls);
        Assert.Equal(4, server.Calls.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task TheTotalTimeoutCutsTheRetriesShort()
    {
        await using var server = await ScriptedServer.StartAsync((_, context) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        using var judge = Connect(server, s => s with { Timeout = TimeSpan.FromMilliseconds(300), TotalTimeout = TimeSpan.FromMilliseconds(700), MaxRetries = 20 });
        var clock = Stopwatch.StartNew();
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(AbstentionReason.Timeout, verdict.Abstention);
        Assert.Equal("no answer within 0.7 s", verdict.Detail);
        // 300 ms attempts in 700 ms: three per order at most, far from the 21 that max_retries allows
        Assert.InRange(server.Calls.Count, 4, 6);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task TheCallersCancellationThrowsInsteadOfAbstaining()
    {
        await using var server = await ScriptedServer.StartAsync((_, context) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        using var judge = Connect(server);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => judge.JudgeAsync(Pair, cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(0, judge.Counters.TotalAbstentions);
    }

    public static TheoryData<string, int, string, AbstentionReason> Garbage => new()
    {
        { "not JSON", 200, "<html>oops</html>", AbstentionReason.Unparsable },
        { "empty object", 200, "{}", AbstentionReason.Unparsable },
        { "choices of the wrong type", 200, """{"id":"x","object":"chat.completion","created":1,"model":"tiny","choices":"none"}""", AbstentionReason.Unparsable },
        { "no choices", 200, """{"id":"x","object":"chat.completion","created":1,"model":"tiny","choices":[]}""", AbstentionReason.Unparsable },
        { "no digit anywhere", 200, ScriptedServer.Completion("maybe"), AbstentionReason.Unparsable },
        { "truncated JSON", 200, ScriptedServer.Completion("1", 0.9)[..60], AbstentionReason.Unparsable },
        { "server error", 500, ScriptedServer.Error("boom", "server_error"), AbstentionReason.CallFailed },
        { "bad request", 400, ScriptedServer.Error("no", "invalid_request_error"), AbstentionReason.CallFailed },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task GarbageRepliesAbstainAndNeverLabel(string what, int status, string body, AbstentionReason reason)
    {
        await using var server = await ScriptedServer.StartAsync((_, context) => ScriptedServer.Reply(context, status, body));
        using var judge = Connect(server, s => s with { MaxRetries = 2 });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.True(verdict.Abstention == reason, $"{what}: {verdict}");
        Assert.Equal(0, judge.Counters.Labels);
        Assert.Equal(0, judge.Counters.CacheHits);
        // only server errors are worth asking again (two retries per order); a bad body or a 400 is final
        Assert.Equal(status == 500 ? 4 : 0, judge.Counters.Retries);
        Assert.Equal(status == 500 ? 6 : 2, server.Calls.Count);
    }
}
