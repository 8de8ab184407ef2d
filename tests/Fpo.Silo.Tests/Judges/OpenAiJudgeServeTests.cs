using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using Fpo.Alignment.Chat;
using Fpo.Alignment.Judges;
using Fpo.Silo.Api;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace Fpo.Silo.Tests.Judges;

/// <summary>
/// The judge against our own `fpo serve` over real HTTP on 127.0.0.1. Through the configured client, the label read
/// from the served log-probs equals the probability computed directly from the same model on the same chat-templated
/// prompt (softmax over the "1" and "2" spellings of its next-token logits), to 1e-4 absolute: the server's log-probs
/// are float log-softmax values sent as JSON and read back as float by the OpenAI client. Swapped orders are averaged;
/// a repeat is served from the cache. Through a plain OpenAI client handed in as an <see cref="IChatClient"/>, each
/// order's probability is the softmax of the "1"/"2" log-probs the server returns for that prompt.
/// </summary>
public sealed class OpenAiJudgeServeTests
{
    private static readonly RlaifPrompt Short = new() { Preamble = "Which response is better? Answer 1 or 2." };

    [Fact]
    public async Task LogProbLabelsEqualTheModelsOwnProbabilitiesAveragedOverBothOrders()
    {
        await using var serve = await JudgeServe.StartAsync();
        using var judge = OpenAiJudge.Connect(new ChatServer { Endpoint = serve.Endpoint, Model = JudgeServe.ModelName, MaxRetries = 0 },
            new OpenAiJudgeOptions { Prompt = Short, Margin = 0 });
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
    public async Task AnyChatClientCanBeHandedInAndItsLogProbsAreReadThroughTheRawCompletion()
    {
        await using var serve = await JudgeServe.StartAsync();
        using var client = new ChatClient(JudgeServe.ModelName, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = serve.Endpoint }).AsIChatClient();
        using var judge = new OpenAiJudge(client, new OpenAiJudgeOptions { Prompt = Short, Margin = 0, TopLogProbs = 20 });
        var request = new JudgeRequest("the cat 3", "sat on the mat.", "with 2 dogs");
        var verdict = await judge.JudgeAsync(request, TestContext.Current.CancellationToken);

        var aFirst = await ServedSoftmaxAsync(serve, Short.Render(request.Context, request.ResponseA, request.ResponseB));
        var aSecond = 1 - await ServedSoftmaxAsync(serve, Short.Render(request.Context, request.ResponseB, request.ResponseA));
        Assert.InRange(aFirst, 0.01, 0.99);  // a parsed "1" or "2" would read as exactly 1 or 0
        Assert.Equal(aFirst, verdict.AFirst!.Value, 1e-5);
        Assert.Equal(aSecond, verdict.ASecond!.Value, 1e-5);
        Assert.Equal(JudgeServe.ModelName, judge.Model);
    }

    // The server's own answer to the judge's request, read without the OpenAI client: the softmax over the summed
    // probabilities of the listed tokens that spell "1" and "2" at the first generated position.
    private static async Task<double> ServedSoftmaxAsync(JudgeServe serve, string prompt)
    {
        using var http = new HttpClient();
        var body = new { model = JudgeServe.ModelName, messages = new[] { new { role = "user", content = prompt } }, temperature = 0, max_tokens = 4, logprobs = true, top_logprobs = 20 };
        using var response = await http.PostAsJsonAsync(new Uri(serve.Endpoint + "/chat/completions"), body, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var first = json.RootElement.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content")[0];
        double one = 0, two = 0;
        foreach (var alternative in first.GetProperty("top_logprobs").EnumerateArray())
        {
            var p = Math.Exp(alternative.GetProperty("logprob").GetDouble());
            switch (alternative.GetProperty("token").GetString()!.Trim())
            {
                case "1": one += p; break;
                case "2": two += p; break;
            }
        }
        Assert.True(one > 0 && two > 0, "both digits must be among the served alternatives");
        return one / (one + two);
    }

    [Fact]
    public async Task TheOrdersDisagreeEnoughThatAveragingMatters()
    {
        // Guards the tests above: with a position-blind model A first and A second would coincide and prove nothing.
        var direct = new ModelJudge(JudgeServe.Model(), JudgeServe.Tokenizer, JudgeServe.ModelName, Short, margin: 0);
        var verdict = await direct.JudgeAsync(new JudgeRequest("the cat 3", "sat on the mat.", "with 2 dogs"), TestContext.Current.CancellationToken);
        Assert.True(Math.Abs(verdict.AFirst!.Value - verdict.ASecond!.Value) > 1e-3, verdict.Detail);
    }
}
