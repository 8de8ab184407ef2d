using Fpo.Alignment.Judges;
using Fpo.Silo.Api;

namespace Fpo.Silo.Tests.Judges;

/// <summary>
/// The OpenAI-compatible judge against our own `fpo serve` over real HTTP on 127.0.0.1: the label read from the
/// served log-probs equals the probability computed directly from the same model on the same chat-templated prompt
/// (softmax over the "1" and "2" spellings of its next-token logits), to 1e-4 absolute: the server's log-probs are
/// float log-softmax values sent as JSON and read back as float by the OpenAI client. Swapped orders are averaged; a
/// repeat is served from the cache.
/// </summary>
public sealed class OpenAiJudgeServeTests
{
    private static readonly RlaifPrompt Short = new() { Preamble = "Which response is better? Answer 1 or 2." };

    [Fact]
    public async Task LogProbLabelsEqualTheModelsOwnProbabilitiesAveragedOverBothOrders()
    {
        await using var serve = await JudgeServe.StartAsync();
        using var judge = new OpenAiJudge(new OpenAiJudgeOptions { Endpoint = serve.Endpoint, Model = JudgeServe.ModelName, Prompt = Short, Margin = 0, MaxRetries = 0 });
        var direct = new ModelJudge(JudgeServe.Model(), JudgeServe.Tokenizer, JudgeServe.ModelName, Short, margin: 0);
        double Direct(string context, string first, string second) =>
            direct.FirstIsBetter(ChatTemplate.Plain.Encode([("user", Short.Render(context, first, second))], JudgeServe.Tokenizer)).ProbabilityA!.Value;

        var requests = new[] { new JudgeRequest("the cat 3", "sat on the mat.", "with 2 dogs"), new JudgeRequest("dogs?", "7 dogs.", "the mat") };
        foreach (var request in requests)
        {
            var verdict = await judge.JudgeAsync(request, TestContext.Current.CancellationToken);
            var aFirst = Direct(request.Context, request.ResponseA, request.ResponseB);
            var aSecond = 1 - Direct(request.Context, request.ResponseB, request.ResponseA);
            Assert.Equal(aFirst, verdict.AFirst!.Value, 1e-4);
            Assert.Equal(aSecond, verdict.ASecond!.Value, 1e-4);
            Assert.Equal((aFirst + aSecond) / 2, verdict.ProbabilityA!.Value, 1e-4);
        }
        Assert.Equal(4, judge.Counters.Calls);
        Assert.Equal(2, judge.Counters.PositionConsistent + judge.Counters.PositionInconsistent);

        var again = await judge.JudgeAsync(requests[0], TestContext.Current.CancellationToken);
        Assert.Equal(Direct(requests[0].Context, requests[0].ResponseA, requests[0].ResponseB), again.AFirst!.Value, 1e-4);
        Assert.Equal(2, judge.Counters.CacheHits);
        Assert.Equal(4, judge.Counters.Calls);
    }

    [Fact]
    public async Task TheOrdersDisagreeEnoughThatAveragingMatters()
    {
        // Guards the test above: with a position-blind model A first and A second would coincide and prove nothing.
        var direct = new ModelJudge(JudgeServe.Model(), JudgeServe.Tokenizer, JudgeServe.ModelName, Short, margin: 0);
        var verdict = await direct.JudgeAsync(new JudgeRequest("the cat 3", "sat on the mat.", "with 2 dogs"), TestContext.Current.CancellationToken);
        Assert.True(Math.Abs(verdict.AFirst!.Value - verdict.ASecond!.Value) > 1e-3, verdict.Detail);
    }
}
