using System.Diagnostics;
using Fpo.Alignment.Judges;

namespace Fpo.Silo.Tests.Judges;

/// <summary>
/// The OpenAI-compatible judge against a scripted server on 127.0.0.1: 429 with Retry-After is retried after the asked
/// wait; a hanging server times out into an abstention; garbage replies and errors abstain and never become labels;
/// the concurrency, requests-per-minute and tokens-per-minute limits hold; the chain-of-thought and text-answer paths.
/// </summary>
public sealed class OpenAiJudgeFailureTests
{
    private static readonly RlaifPrompt Short = new() { Preamble = "Which is better?" };
    private static readonly JudgeRequest Pair = new("say hi", "hello there", "go away");

    // "hello there" shown first: P(1) = 0.9; shown second: P(1) = 0.2. So A first 0.9, A second 0.8, label 0.85.
    private static string ByOrder(ScriptedCall call) =>
        call.Prompt.Contains("Response 1: hello there", StringComparison.Ordinal) ? ScriptedServer.Completion("1", 0.9) : ScriptedServer.Completion("2", 0.2);

    private static OpenAiJudge Judge(ScriptedServer server, Func<OpenAiJudgeOptions, OpenAiJudgeOptions>? change = null)
    {
        var options = new OpenAiJudgeOptions
        {
            Endpoint = server.Endpoint, Model = "tiny", Prompt = Short, Margin = 0.05,
            InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(50), Timeout = TimeSpan.FromSeconds(10), MaxRetries = 3,
        };
        return new OpenAiJudge(change?.Invoke(options) ?? options);
    }

    [Fact]
    public async Task TwoTooManyRequestsAreRetriedAfterTheirRetryAfter()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) =>
        {
            if (call.Attempt > 2) return ScriptedServer.Reply(context, 200, ByOrder(call));
            context.Response.Headers.RetryAfter = "1";
            return ScriptedServer.Reply(context, 429, """{"error":{"message":"queue full","type":"rate_limit_error","param":null,"code":null}}""");
        });
        using var judge = Judge(server);
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

    [Fact]
    public async Task AHangingServerTimesOutIntoAnAbstention()
    {
        await using var server = await ScriptedServer.StartAsync((_, context) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        using var judge = Judge(server, o => o with { Timeout = TimeSpan.FromMilliseconds(400), MaxRetries = 1 });
        var clock = Stopwatch.StartNew();
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(AbstentionReason.Timeout, verdict.Abstention);
        Assert.Null(verdict.ProbabilityA);
        Assert.Contains("no answer within 0.4 s (after 2 attempts)", verdict.Detail);
        Assert.Equal(1, judge.Counters.Abstentions(AbstentionReason.Timeout));
        Assert.Equal(0, judge.Counters.Labels);
        Assert.Equal(4, judge.Counters.Calls);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalSeconds:F1} s");
    }

    public static TheoryData<string, int, string, AbstentionReason> Garbage => new()
    {
        { "not JSON", 200, "<html>oops</html>", AbstentionReason.Unparsable },
        { "empty object", 200, "{}", AbstentionReason.Unparsable },
        { "choices of the wrong type", 200, """{"id":"x","object":"chat.completion","created":1,"model":"tiny","choices":"none"}""", AbstentionReason.Unparsable },
        { "no choices", 200, """{"id":"x","object":"chat.completion","created":1,"model":"tiny","choices":[]}""", AbstentionReason.Unparsable },
        { "no digit anywhere", 200, ScriptedServer.Completion("maybe"), AbstentionReason.Unparsable },
        { "truncated JSON", 200, ScriptedServer.Completion("1", 0.9)[..60], AbstentionReason.Unparsable },
        { "server error", 500, """{"error":{"message":"boom","type":"server_error","param":null,"code":null}}""", AbstentionReason.CallFailed },
        { "bad request", 400, """{"error":{"message":"no","type":"invalid_request_error","param":null,"code":null}}""", AbstentionReason.CallFailed },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task GarbageRepliesAbstainAndNeverLabel(string what, int status, string body, AbstentionReason reason)
    {
        await using var server = await ScriptedServer.StartAsync((_, context) => ScriptedServer.Reply(context, status, body));
        using var judge = Judge(server, o => o with { MaxRetries = 2 });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.True(verdict.Abstention == reason, $"{what}: {verdict}");
        Assert.Equal(0, judge.Counters.Labels);
        Assert.Equal(0, judge.Counters.CacheHits);
        // only server errors are worth asking again (two retries per order); a bad body or a 400 is final
        Assert.Equal(status == 500 ? 4 : 0, judge.Counters.Retries);
    }

    [Fact]
    public async Task AnswersAreParsedFromTextWhenThereAreNoLogProbs()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => ScriptedServer.Reply(context, 200,
            ScriptedServer.Completion(call.Prompt.Contains("Response 1: hello there", StringComparison.Ordinal) ? "Response 1" : " 2.")));
        using var judge = Judge(server, o => o with { LogProbs = false });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(1, verdict.ProbabilityA);
        Assert.Equal(1, judge.Counters.PositionConsistent);
        Assert.All(server.Calls, c => Assert.False(c.Body.TryGetProperty("logprobs", out _)));
    }

    [Fact]
    public async Task ChainOfThoughtAsksForARationaleAtTemperatureZeroThenTheAnswerAfterIt()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => ScriptedServer.Reply(context, 200,
            call.Prompt.EndsWith(RlaifPrompt.DefaultRationaleRequest, StringComparison.Ordinal) ? ScriptedServer.Completion("Hello there is friendly.") : ByOrder(call)));
        using var judge = Judge(server, o => o with { ChainOfThought = true, RationaleMaxTokens = 40 });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(0.85, verdict.ProbabilityA!.Value, 1e-5);
        var calls = server.Calls;
        Assert.Equal(4, calls.Count);
        var rationales = calls.Where(c => c.Prompt.EndsWith(RlaifPrompt.DefaultRationaleRequest, StringComparison.Ordinal)).ToList();
        var answers = calls.Except(rationales).ToList();
        Assert.Equal(2, rationales.Count);
        Assert.All(answers, c => Assert.EndsWith(RlaifPrompt.DefaultRationaleRequest + " Hello there is friendly.\nPreferred Response=", c.Prompt));
        Assert.All(calls, c => Assert.Equal(0, c.Body.GetProperty("temperature").GetDouble()));
        Assert.All(rationales, c => Assert.False(c.Body.TryGetProperty("logprobs", out _)));
        Assert.All(answers, c => Assert.True(c.Body.GetProperty("logprobs").GetBoolean()));
    }

    [Fact]
    public async Task TheKeyComesFromTheNamedEnvironmentVariable()
    {
        var variable = $"FPO_TEST_JUDGE_KEY_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "secret");
        try
        {
            await using var server = await ScriptedServer.StartAsync((call, context) => call.Authorization == "Bearer secret"
                ? ScriptedServer.Reply(context, 200, ByOrder(call))
                : ScriptedServer.Reply(context, 401, """{"error":{"message":"bad key","type":"invalid_request_error","param":null,"code":null}}"""));
            using var judge = Judge(server, o => o with { ApiKeyVariable = variable });
            Assert.True((await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken)).IsLabel);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task TheConcurrencyLimitHolds()
    {
        await using var server = await ScriptedServer.StartAsync(async (call, context) =>
        {
            await Task.Delay(150, context.RequestAborted);
            await ScriptedServer.Reply(context, 200, ByOrder(call));
        });
        using var judge = Judge(server, o => o with { Concurrency = 2 });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => judge.JudgeAsync(Pair with { Context = $"say hi {i}" }, TestContext.Current.CancellationToken)));
        Assert.Equal(8, server.Calls.Count);
        Assert.Equal(2, server.MaxInFlight);
    }

    // Opens the HTTP connections and compiles the request path first, so arrival times measure the limiter, not the
    // first connection's set-up (a granted request that arrives late would bunch with later ones).
    private static async Task<int> WarmUpAsync(ScriptedServer server)
    {
        using var judge = Judge(server);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => judge.JudgeAsync(Pair with { Context = $"warm up {i}" }, TestContext.Current.CancellationToken)));
        return server.Calls.Count;
    }

    [Fact]
    public async Task TheRequestsPerMinuteLimitHolds()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => ScriptedServer.Reply(context, 200, ByOrder(call)));
        var warm = await WarmUpAsync(server);
        var start = server.Now.TotalSeconds;
        // 600 a minute is 10 a second, with a burst of at most one second's worth (10)
        using var judge = Judge(server, o => o with { RequestsPerMinute = 600 });
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => judge.JudgeAsync(Pair with { Context = $"say hi {i}" }, TestContext.Current.CancellationToken)));
        var times = server.Calls.Skip(warm).Select(c => c.At.TotalSeconds).Order().ToList();
        Assert.Equal(20, times.Count);
        // 10 at once, then the other 10 at 10 a second: the last cannot be sent before 1 s after the judge was made
        Assert.True(times[^1] - start >= 0.95, $"20 requests in {times[^1] - start:F3} s: {string.Join(" ", times.Select(t => (t - start).ToString("F3")))}");
        foreach (var t in times)
            Assert.True(times.Count(u => u >= t && u < t + 0.5) <= 10 + 5 + 2, $"{times.Count(u => u >= t && u < t + 0.5)} requests in the 0.5 s after {t:F3} s");
    }

    [Fact]
    public async Task TheTokensPerMinuteLimitHolds()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => ScriptedServer.Reply(context, 200, ByOrder(call)));
        var warm = await WarmUpAsync(server);
        var start = server.Now;
        const double tokensPerSecond = 250;
        using var judge = Judge(server, o => o with { TokensPerMinute = 60 * tokensPerSecond });
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => judge.JudgeAsync(Pair with { Context = $"say hi {i}" }, TestContext.Current.CancellationToken)));
        var calls = server.Calls.Skip(warm).OrderBy(c => c.At).ToList();
        var costs = calls.Select(c => RequestThrottle.EstimateTokens(c.Prompt, 4)).ToList();
        // The bucket starts with one second's worth: everything beyond it, less the last request (let through in debt),
        // waited for the refill, counted from when the judge was made.
        var least = (costs.Sum() - tokensPerSecond - costs.Max()) / tokensPerSecond;
        var span = (calls[^1].At - start).TotalSeconds;
        Assert.True(least > 0.3, $"the test needs requests that outrun the budget ({costs.Sum()} tokens)");
        Assert.True(span >= least * 0.95, $"{costs.Sum()} tokens in {span:F3} s at {tokensPerSecond} tokens/s");
    }
}
