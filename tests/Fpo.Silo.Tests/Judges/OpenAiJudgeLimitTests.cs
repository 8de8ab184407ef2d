using Fpo.Alignment.Chat;
using static Fpo.Silo.Tests.Judges.ScriptedJudge;

namespace Fpo.Silo.Tests.Judges;

/// <summary>
/// The chat client's rate limits under a judge, measured at a scripted server on 127.0.0.1: the concurrency,
/// requests-per-minute and tokens-per-minute limits hold.
/// </summary>
public sealed class OpenAiJudgeLimitTests
{
    [Fact]
    public async Task TheConcurrencyLimitHolds()
    {
        await using var server = await ScriptedServer.StartAsync(async (call, context) =>
        {
            await Task.Delay(150, context.RequestAborted);
            await ScriptedServer.Reply(context, 200, ByOrder(call));
        });
        using var judge = Connect(server, s => s with { Concurrency = 2 });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => judge.JudgeAsync(Pair with { Context = $"say hi {i}" }, TestContext.Current.CancellationToken)));
        Assert.Equal(8, server.Calls.Count);
        Assert.Equal(2, server.MaxInFlight);
    }

    // Opens the HTTP connections and compiles the request path first, so arrival times measure the limiter, not the
    // first connection's set-up (a granted request that arrives late would bunch with later ones).
    private static async Task<int> WarmUpAsync(ScriptedServer server)
    {
        using var judge = Connect(server);
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
        using var judge = Connect(server, s => s with { RequestsPerMinute = 600 });
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
        using var judge = Connect(server, s => s with { TokensPerMinute = 60 * tokensPerSecond });
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => judge.JudgeAsync(Pair with { Context = $"say hi {i}" }, TestContext.Current.CancellationToken)));
        var calls = server.Calls.Skip(warm).OrderBy(c => c.At).ToList();
        var costs = calls.Select(c => ChatRateLimits.EstimateTokens(c.Prompt.Length, 4)).ToList();
        // The bucket starts with one second's worth: everything beyond it waited for the refill, counted from when the
        // judge was made (less the largest request, a margin for the refill's 100 ms steps).
        var least = (costs.Sum() - tokensPerSecond - costs.Max()) / tokensPerSecond;
        var span = (calls[^1].At - start).TotalSeconds;
        Assert.True(least > 0.3, $"the test needs requests that outrun the budget ({costs.Sum()} tokens)");
        Assert.True(span >= least * 0.95, $"{costs.Sum()} tokens in {span:F3} s at {tokensPerSecond} tokens/s");
    }
}
