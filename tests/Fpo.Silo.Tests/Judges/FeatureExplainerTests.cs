using Fpo.Alignment.Chat;
using Fpo.Alignment.Explanations;
using Fpo.Sae.Statistics;
using Microsoft.Extensions.AI;

namespace Fpo.Silo.Tests.Judges;

/// <summary>
/// <see cref="FeatureExplainer"/> over the chat client of a scripted server: a simulator that answers with the true
/// scaled activations scores near 1 even when one simulation comes back as garbage, a 429 is retried, and a server
/// that only talks garbage or never answers gives no score with the reason instead of a number.
/// </summary>
public sealed class FeatureExplainerTests
{
    private const string Marker = "write nothing else.\n\n";

    // Token id i is "t{i}"; its activation is known to the script, so a "perfect" simulator can be written.
    private static readonly Dictionary<string, float> Truth = [];

    private static FeatureContexts Contexts()
    {
        var random = new Random(5);
        ActivatingContext Make(int c)
        {
            var ids = Enumerable.Range(c * 8, 8).ToArray();
            var acts = ids.Select(_ => random.NextDouble() < 0.5 ? 0f : (float)random.NextDouble() * 3).ToArray();
            acts[3] = 3f - c * 0.1f;
            lock (Truth)
                for (var t = 0; t < ids.Length; t++) Truth[$"t{ids[t]}"] = acts[t];
            return new ActivatingContext(acts.Max(), c, 3, 0, ids, acts);
        }
        var all = Enumerable.Range(0, 10).Select(Make).ToList();
        return new FeatureContexts(7, all[..4], all[4..], 80);
    }

    private static string Perfect(string prompt)
    {
        var tokens = prompt[(prompt.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].TrimEnd('\n').Split('\n');
        lock (Truth) return string.Join('\n', tokens.Select(t => $"{t}\t{ActivationScale.Scale(Truth[t], 3f)}"));
    }

    private static IChatClient Client(ScriptedServer server, Func<ChatServer, ChatServer>? change = null)
    {
        var settings = new ChatServer { Endpoint = server.Endpoint, Model = "scripted", Timeout = TimeSpan.FromSeconds(10), MaxRetries = 2, InitialBackoff = TimeSpan.Zero };
        return ChatClients.Create(change?.Invoke(settings) ?? settings);
    }

    [Fact]
    public async Task APerfectSimulatorScoresNearOneDespiteARetryAndOneGarbageAnswer()
    {
        var contexts = Contexts();
        await using var server = await ScriptedServer.StartAsync((call, context) =>
        {
            if (!call.Prompt.Contains(Marker, StringComparison.Ordinal))
            {
                if (call.Attempt == 1)
                {
                    context.Response.Headers.RetryAfter = "0";
                    return ScriptedServer.Reply(context, 429, ScriptedServer.Error("busy", "rate_limit_error"));
                }
                return ScriptedServer.Reply(context, 200, ScriptedServer.Completion("This neuron fires on odd tokens.\nExtra line."));
            }
            var garbage = call.Prompt.Contains("\nt32\n", StringComparison.Ordinal);  // the first held-out context
            return ScriptedServer.Reply(context, 200, ScriptedServer.Completion(garbage ? "I cannot do that." : Perfect(call.Prompt)));
        });
        using var client = Client(server);
        var result = await new FeatureExplainer(client, new ExplainerOptions()).ExplainAsync(contexts, id => $"t{id}", TestContext.Current.CancellationToken);
        Assert.Equal("This neuron fires on odd tokens.", result.Explanation);
        Assert.Equal("scripted", result.Model);
        Assert.Equal((6, 1), (result.ContextsSimulated, result.SimulationsFailed));
        Assert.Null(result.NoScoreReason);
        Assert.InRange(result.Score!.Value, 0.95, 1.0);
        Assert.Equal(2, server.Calls.Count(c => !c.Prompt.Contains(Marker, StringComparison.Ordinal)));
        // The explanation prompt showed the top contexts only, scaled so that 3.0 is 10.
        var shown = server.Calls[0].Prompt;
        Assert.Contains("t3\t10\n", shown);
        Assert.DoesNotContain("t32\t", shown);
        // at temperature 0, each request's limit under the name every server knows
        Assert.All(server.Calls, c => Assert.Equal(0, c.Body.GetProperty("temperature").GetDouble()));
        Assert.Equal(80, server.Calls[0].Body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(400, server.Calls[^1].Body.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task GarbageSimulationsGiveNoScoreWithTheReason()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => ScriptedServer.Reply(context, 200,
            ScriptedServer.Completion(call.Prompt.Contains(Marker, StringComparison.Ordinal) ? "t1\t3\nt2\n" : "This neuron likes t3.")));
        using var client = Client(server);
        var result = await new FeatureExplainer(client, new ExplainerOptions()).ExplainAsync(Contexts(), id => $"t{id}", TestContext.Current.CancellationToken);
        Assert.Null(result.Score);
        Assert.Equal("6 of 6 simulations failed (more than 50 %); first: line 2 has no tab: \"t2\"", result.NoScoreReason);
    }

    [Fact]
    public async Task SimulationsThatTimeOutGiveNoScoreWithTheReason()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => call.Prompt.Contains(Marker, StringComparison.Ordinal)
            ? Task.Delay(Timeout.Infinite, context.RequestAborted)
            : ScriptedServer.Reply(context, 200, ScriptedServer.Completion("This neuron likes t3.")));
        using var client = Client(server, s => s with { Timeout = TimeSpan.FromMilliseconds(200), MaxRetries = 0 });
        var result = await new FeatureExplainer(client, new ExplainerOptions()).ExplainAsync(Contexts(), id => $"t{id}", TestContext.Current.CancellationToken);
        Assert.Null(result.Score);
        Assert.Equal("6 of 6 simulations failed (more than 50 %); first: no answer within 0.2 s", result.NoScoreReason);
    }

    [Fact]
    public async Task AServerErrorOnTheExplanationIsAnErrorNotAnExplanation()
    {
        await using var server = await ScriptedServer.StartAsync((_, context) => ScriptedServer.Reply(context, 400,
            ScriptedServer.Error("prompt too long", "invalid_request_error")));
        using var client = Client(server);
        var e = await Assert.ThrowsAsync<ExplainerException>(() =>
            new FeatureExplainer(client, new ExplainerOptions()).ExplainAsync(Contexts(), id => $"t{id}", TestContext.Current.CancellationToken));
        Assert.StartsWith("feature 7: the explanation request failed: HTTP 400: ", e.Message);
        Assert.Single(server.Calls);  // a bad request is not asked again
    }
}
