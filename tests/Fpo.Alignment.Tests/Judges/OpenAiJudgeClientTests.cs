using System.Text.Json;
using Fpo.Alignment.Judges;
using Microsoft.Extensions.AI;
using ChatCompletionOptions = OpenAI.Chat.ChatCompletionOptions;
using Polly.Timeout;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>
/// <see cref="OpenAiJudge"/> over a chat client of another provider: its answers are parsed from the text (there is
/// no OpenAI completion to read log-probs from), its failures become abstentions with their reasons, and the caller's
/// cancellation still throws.
/// </summary>
public sealed class OpenAiJudgeClientTests
{
    private static readonly RlaifPrompt Short = new() { Preamble = "Which is better?" };
    private static readonly JudgeRequest Pair = new("say hi", "hello there", "go away");

    private static Task<ChatResponse> Say(string text) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)));

    [Fact]
    public async Task AnotherProvidersAnswerIsParsedFromItsText()
    {
        using var client = new FakeChatClient((prompt, _) => Say(prompt.Contains("Response 1: hello there", StringComparison.Ordinal) ? "1" : "Response 2"));
        using var judge = new OpenAiJudge(client, new OpenAiJudgeOptions { Prompt = Short, TopLogProbs = 5, AnswerMaxTokens = 3 });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(1, verdict.ProbabilityA);
        Assert.Equal(FakeChatClient.ModelName, judge.Model);
        Assert.Equal(2, judge.Counters.Calls);
        Assert.All(client.Requests, r =>
        {
            Assert.Equal(0, r.Options!.Temperature);
            Assert.Equal(3, r.Options.MaxOutputTokens);
            // the log-probs are asked for in OpenAI's options, which another provider never looks at
            var openAi = Assert.IsType<ChatCompletionOptions>(r.Options.RawRepresentationFactory!(client));
            Assert.Equal((true, 5), (openAi.IncludeLogProbabilities, openAi.TopLogProbabilityCount));
        });
    }

    public static TheoryData<string, Exception, AbstentionReason, string> Failures => new()
    {
        { "attempt timeout", new TimeoutRejectedException("late", TimeSpan.FromSeconds(1.5)), AbstentionReason.Timeout, "no answer within 1.5 s" },
        { "someone else's cancellation", new TaskCanceledException("the network gave up"), AbstentionReason.Timeout, "no answer in time (the network gave up)" },
        { "connection refused", new HttpRequestException("Connection refused (127.0.0.1:9)"), AbstentionReason.CallFailed, "no response: Connection refused (127.0.0.1:9)" },
        { "not a completion", new JsonException("'<' is an invalid start of a value."), AbstentionReason.Unparsable, "unreadable response (JsonException: '<' is an invalid start of a value.)" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task FailuresAbstainWithTheirReason(string what, Exception failure, AbstentionReason reason, string detail)
    {
        using var client = new FakeChatClient((_, _) => Task.FromException<ChatResponse>(failure));
        using var judge = new OpenAiJudge(client, new OpenAiJudgeOptions { Prompt = Short });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.True(verdict.Abstention == reason, $"{what}: {verdict}");
        Assert.Equal(detail, verdict.Detail);
        Assert.Equal(1, judge.Counters.Abstentions(reason));
        Assert.Equal(0, judge.Counters.Labels);
    }

    [Fact]
    public async Task TheCallersCancellationThrows()
    {
        using var client = new FakeChatClient(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        using var judge = new OpenAiJudge(client, new OpenAiJudgeOptions { Prompt = Short });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => judge.JudgeAsync(Pair, cancel.Token));
        Assert.Equal(0, judge.Counters.TotalAbstentions);
    }
}
