using System.ClientModel;
using System.Text;
using System.Text.Json;
using Fpo.Models.Generation;
using OpenAI;
using OpenAI.Chat;

namespace Fpo.Silo.Tests.Serve;

/// <summary>`fpo serve` over real HTTP on 127.0.0.1: the official OpenAI client and plain requests get protocol-correct
/// answers, log-probs are the model's, seeds repeat, concurrent requests share decode steps, and a client that goes
/// away is cancelled in the engine.</summary>
public sealed class ServeProtocolTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    // Log-probs through HTTP against log_softmax computed here from a second copy of the model: the JSON round trip
    // of a float and a different summation order in log-sum-exp stay well inside this.
    private const float LogProbTolerance = 1e-4f;

    private TestServer Server => fixture.Server;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ChatClient Client() => new(TestServer.ModelName, new ApiKeyCredential("unused"),
        new OpenAIClientOptions { Endpoint = new Uri(Server.Address, "v1") });

    [Fact]
    public async Task TheOfficialClientGetsACompletionAndTheSameTextStreamed()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 12, Temperature = 0.8f, Seed = 7 };
        List<OpenAI.Chat.ChatMessage> messages = [new SystemChatMessage("be brief"), new UserChatMessage("the cat sat")];
        OpenAI.Chat.ChatCompletion completion = await Client().CompleteChatAsync(messages, options, Ct);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.Equal(TestServer.ModelName, completion.Model);
        Assert.Contains(completion.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 12);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        var text = completion.Content.Count == 0 ? "" : completion.Content[0].Text;

        var streamed = new StringBuilder();
        ChatFinishReason? finish = null;
        var updates = 0;
        await foreach (var update in Client().CompleteChatStreamingAsync(messages, options, Ct))
        {
            updates++;
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
            finish ??= update.FinishReason;
        }
        Assert.Equal(text, streamed.ToString());
        Assert.Equal(completion.FinishReason, finish);
        Assert.True(updates >= 2, $"expected a role chunk and content chunks, got {updates} updates");
    }

    [Fact]
    public async Task TheOfficialClientReadsTheLogProbs()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0, IncludeLogProbabilities = true, TopLogProbabilityCount = 5 };
        OpenAI.Chat.ChatCompletion completion = await Client().CompleteChatAsync([new UserChatMessage("the mat")], options, Ct);
        Assert.Equal(completion.Usage.OutputTokenCount, completion.ContentTokenLogProbabilities.Count);
        foreach (var token in completion.ContentTokenLogProbabilities)
        {
            Assert.Equal(5, token.TopLogProbabilities.Count);
            // Greedy: the drawn token is the most likely one.
            Assert.Equal(token.TopLogProbabilities[0].LogProbability, token.LogProbability, 1e-6f);
        }
    }

    [Fact]
    public async Task ChatTopLogProbsAreTheLogSoftmaxOfTheModelsLogits()
    {
        var (status, body, _) = await Server.PostAsync("/v1/chat/completions", new
        {
            model = TestServer.ModelName, messages = new[] { new { role = "user", content = "which is better, 1 or 2?" } },
            max_tokens = 2, temperature = 1.0, seed = 3, logprobs = true, top_logprobs = 20,
        });
        Assert.True(status == 200, body.ToString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        var content = choice.GetProperty("logprobs").GetProperty("content");
        Assert.Equal(2, content.GetArrayLength());

        var (model, tokenizer) = Server.LoadCopy();
        var prompt = Fpo.Silo.Api.ChatTemplate.Plain.Encode([("user", "which is better, 1 or 2?")], tokenizer);
        var first = TokenOf(content[0], tokenizer);
        var expected = new[] { LogSoftmax(model, prompt), LogSoftmax(model, [.. prompt, first]) };
        for (var position = 0; position < 2; position++)
        {
            var entry = content[position];
            var top = entry.GetProperty("top_logprobs").EnumerateArray().ToList();
            Assert.Equal(20, top.Count);
            var want = expected[position];
            var order = Enumerable.Range(0, want.Length).OrderByDescending(i => want[i]).ThenBy(i => i).Take(20).ToList();
            for (var k = 0; k < 20; k++)
            {
                Assert.Equal(tokenizer.Decode([order[k]]), top[k].GetProperty("token").GetString());
                Assert.Equal(want[order[k]], top[k].GetProperty("logprob").GetSingle(), LogProbTolerance);
                Assert.Equal(tokenizer.DecodeBytes([order[k]]).Select(b => (int)b), top[k].GetProperty("bytes").EnumerateArray().Select(b => b.GetInt32()));
            }
            var drawn = TokenOf(entry, tokenizer);
            Assert.Equal(want[drawn], entry.GetProperty("logprob").GetSingle(), LogProbTolerance);
        }
    }

    [Fact]
    public async Task CompletionsGiveTheLegacyLogProbsAndTextOffsets()
    {
        var (status, body, _) = await Server.PostAsync("/v1/completions", new
        {
            model = TestServer.ModelName, prompt = "the cat sat on", max_tokens = 6, seed = 1, logprobs = 3, n = 2, ignore_eos = true,
        });
        Assert.True(status == 200, body.ToString());
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()));
        var (model, tokenizer) = Server.LoadCopy();
        var prompt = tokenizer.Encode("the cat sat on");
        var expected = LogSoftmax(model, prompt);
        foreach (var choice in choices)
        {
            Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
            var lp = choice.GetProperty("logprobs");
            var tokens = lp.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToList();
            Assert.Equal(6, tokens.Count);
            Assert.Equal(choice.GetProperty("text").GetString(), string.Concat(tokens));
            var offsets = lp.GetProperty("text_offset").EnumerateArray().Select(o => o.GetInt32()).ToList();
            Assert.Equal("the cat sat on".Length, offsets[0]);
            for (var i = 1; i < 6; i++) Assert.Equal(offsets[i - 1] + tokens[i - 1].Length, offsets[i]);
            Assert.Equal(3, lp.GetProperty("top_logprobs")[0].EnumerateObject().Count());
            var firstId = Enumerable.Range(0, tokenizer.VocabSize).First(id => tokenizer.Decode([id]) == tokens[0]);
            Assert.Equal(expected[firstId], lp.GetProperty("token_logprobs")[0].GetSingle(), LogProbTolerance);
        }
        var usage = body.GetProperty("usage");
        Assert.Equal(prompt.Length, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(12, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(prompt.Length + 12, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task AStreamIsServerSentEventsEndingInDone()
    {
        var json = JsonSerializer.Serialize(new
        {
            model = TestServer.ModelName, prompt = "the dog", max_tokens = 5, seed = 2, stream = true, ignore_eos = true,
            stream_options = new { include_usage = true },
        });
        using var response = await Server.Http.PostAsync("/v1/completions", new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = (await response.Content.ReadAsStringAsync(Ct)).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        var usage = chunks[^1].GetProperty("usage");
        Assert.Equal(5, usage.GetProperty("completion_tokens").GetInt32());
        var text = string.Concat(chunks[..^1].Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal("length", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        var (_, whole, _) = await Server.PostAsync("/v1/completions", new { model = TestServer.ModelName, prompt = "the dog", max_tokens = 5, seed = 2, ignore_eos = true });
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("text").GetString(), text);
    }

    [Fact]
    public async Task StopStringsAndLogitBiasShapeTheReply()
    {
        var (_, tokenizer) = Server.LoadCopy();
        var e = tokenizer.TokenToId("e")!.Value;
        var (status, body, _) = await Server.PostAsync("/v1/completions", new
        {
            model = TestServer.ModelName, prompt = "the cat", max_tokens = 20, seed = 4, n = 4, ignore_eos = true, stop = new[] { "e" },
        });
        Assert.True(status == 200, body.ToString());
        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.All(choices, c => Assert.DoesNotContain("e", c.GetProperty("text").GetString(), StringComparison.Ordinal));
        Assert.Contains(choices, c => c.GetProperty("finish_reason").GetString() == "stop");
        // A bias of +100 on one token makes it the only choice, and the top log-probs still show the model's own.
        var (_, biased, _) = await Server.PostAsync("/v1/chat/completions", new Dictionary<string, object>
        {
            ["model"] = TestServer.ModelName, ["messages"] = new[] { new { role = "user", content = "hi" } }, ["max_tokens"] = 3,
            ["ignore_eos"] = true, ["logit_bias"] = new Dictionary<string, int> { [$"{e}"] = 100 }, ["logprobs"] = true,
        });
        Assert.Equal("eee", biased.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.True(biased.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content")[0].GetProperty("logprob").GetSingle() < -0.5f);
    }

    [Fact]
    public async Task AChatStreamOfTwoSamplesCarriesEachSamplesTokensAndLogProbs()
    {
        var request = new
        {
            model = TestServer.ModelName, messages = new[] { new { role = "user", content = "the cat" } }, max_tokens = 6, n = 2, seed = 9,
            ignore_eos = true, logprobs = true, top_logprobs = 2,
        };
        var (_, whole, _) = await Server.PostAsync("/v1/chat/completions", request);
        var json = JsonSerializer.Serialize(request).Replace("\"logprobs\":true", "\"logprobs\":true,\"stream\":true", StringComparison.Ordinal);
        using var response = await Server.Http.PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        var events = (await response.Content.ReadAsStringAsync(Ct)).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var choices = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement)
            .Select(c => Assert.Single(c.GetProperty("choices").EnumerateArray().ToList())).ToList();
        for (var i = 0; i < 2; i++)
        {
            var mine = choices.Where(c => c.GetProperty("index").GetInt32() == i).ToList();
            Assert.Equal("assistant", mine[0].GetProperty("delta").GetProperty("role").GetString());
            var expected = whole.GetProperty("choices")[i];
            var text = string.Concat(mine.Select(c => c.GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
            Assert.Equal(expected.GetProperty("message").GetProperty("content").GetString(), text);
            var streamed = mine.Where(c => c.TryGetProperty("logprobs", out var lp) && lp.ValueKind == JsonValueKind.Object)
                .SelectMany(c => c.GetProperty("logprobs").GetProperty("content").EnumerateArray()).Select(e => e.GetRawText()).ToList();
            Assert.Equal(expected.GetProperty("logprobs").GetProperty("content").EnumerateArray().Select(e => e.GetRawText()), streamed);
            Assert.Equal("length", mine[^1].GetProperty("finish_reason").GetString());
        }
    }

    [Fact]
    public async Task TheSameSeedRepeatsTheSamplesAndAnotherSeedChangesThem()
    {
        object Body(int seed) => new { model = TestServer.ModelName, prompt = "the cat", max_tokens = 10, seed, n = 3, temperature = 1.2, ignore_eos = true };
        string Texts(JsonElement body) => string.Join("|", body.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("text").GetString()));
        var a = Texts((await Server.PostAsync("/v1/completions", Body(11))).Body);
        var b = Texts((await Server.PostAsync("/v1/completions", Body(11))).Body);
        var c = Texts((await Server.PostAsync("/v1/completions", Body(12))).Body);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public async Task ConcurrentRequestsShareDecodeSteps()
    {
        const int requests = 8, tokens = 16;
        var service = Server.Service;
        var engine = service.Engine;
        // The first request holds the engine at its first token until the other seven wait in the queue, so the
        // assertion does not depend on how fast the client sends them.
        using var release = new ManualResetEventSlim();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allQueued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Hold(GeneratedToken t)
        {
            if (holding.TrySetResult()) release.Wait(TimeSpan.FromSeconds(20));
        }
        void Queued(int waiting)
        {
            if (waiting == requests - 1) allQueued.TrySetResult();
        }
        Task<(int Status, JsonElement Body, HttpResponseMessage Response)> Send(int i) => Server.PostAsync("/v1/chat/completions", new
        {
            model = TestServer.ModelName, messages = new[] { new { role = "user", content = $"the cat {i}" } }, max_tokens = tokens, ignore_eos = true, seed = i,
        });
        engine.TokenGenerated += Hold;
        service.RequestQueued += Queued;
        try
        {
            var before = engine.DecodeSteps;
            var first = Send(0);
            await holding.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
            var rest = Enumerable.Range(1, requests - 1).Select(Send).ToList();
            await allQueued.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
            release.Set();
            var replies = await Task.WhenAll([first, .. rest]);
            Assert.All(replies, r => Assert.Equal(200, r.Status));
            Assert.All(replies, r => Assert.Equal(tokens, r.Body.GetProperty("usage").GetProperty("completion_tokens").GetInt32()));
            var steps = engine.DecodeSteps - before;
            // Alone, each request takes tokens - 1 decode steps (its first token comes from the prefill): 120 in all;
            // together the seven run side by side, one step behind the first.
            Assert.True(steps <= tokens, $"{steps} decode steps for {requests} requests of {tokens} tokens: they were not batched");
        }
        finally
        {
            release.Set();
            service.RequestQueued -= Queued;
            engine.TokenGenerated -= Hold;
        }
    }

    [Fact]
    public async Task AClientThatDisconnectsIsCancelledInTheEngine()
    {
        var engine = Server.Service.Engine;
        var cancelled = new TaskCompletionSource<GenerationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tokens = 0;
        using var slow = new ManualResetEventSlim();
        void OnCompleted(GenerationResult r)
        {
            if (r.Error is not null) cancelled.TrySetResult(r);
        }
        // The tiny model would finish 60 tokens before the disconnect reaches the server; holding the engine 50 ms per
        // token (or until the test ends) keeps the request in flight.
        void OnToken(GeneratedToken t)
        {
            tokens++;
            slow.Wait(TimeSpan.FromMilliseconds(50));
        }
        engine.RequestCompleted += OnCompleted;
        engine.TokenGenerated += OnToken;
        try
        {
            var json = JsonSerializer.Serialize(new { model = TestServer.ModelName, prompt = "the", max_tokens = 60, ignore_eos = true, stream = true });
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            using (var response = await Server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct))
            {
                using var stream = await response.Content.ReadAsStreamAsync(Ct);
                Assert.True(await stream.ReadAsync(new byte[16], Ct) > 0);
            }
            var result = await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
            Assert.Contains("cancelled", result.Error, StringComparison.Ordinal);
            Assert.True(tokens < 60, $"all {tokens} tokens were generated after the client left");
        }
        finally
        {
            slow.Set();
            engine.TokenGenerated -= OnToken;
            engine.RequestCompleted -= OnCompleted;
        }
    }

    [Fact]
    public async Task ModelsListsTheServedModel()
    {
        var body = JsonDocument.Parse(await Server.Http.GetStringAsync("/v1/models", Ct)).RootElement;
        Assert.Equal("list", body.GetProperty("object").GetString());
        var card = body.GetProperty("data").EnumerateArray().Single();
        Assert.Equal(TestServer.ModelName, card.GetProperty("id").GetString());
        Assert.Equal("model", card.GetProperty("object").GetString());
    }

    // The id whose exact bytes the entry lists (a token's text alone can be ambiguous: U+FFFD).
    private static int TokenOf(JsonElement entry, Fpo.Models.Tokenization.BpeTokenizer tokenizer)
    {
        var bytes = entry.GetProperty("bytes").EnumerateArray().Select(b => (byte)b.GetInt32()).ToArray();
        return Enumerable.Range(0, tokenizer.VocabSize).First(id => tokenizer.DecodeBytes([id]).AsSpan().SequenceEqual(bytes));
    }

    // log_softmax of the next-token logits after the prompt, computed directly (double-precision log-sum-exp).
    private static float[] LogSoftmax(Fpo.Models.Transformer.TransformerModel model, int[] prompt)
    {
        var cache = model.CreateCache(1, model.Config.MaxPositions);
        var logits = model.Extend(cache, [0], [prompt.Length], prompt).ToArray();
        var max = logits.Max();
        var logSumExp = max + Math.Log(logits.Sum(x => Math.Exp(x - max)));
        return [.. logits.Select(x => (float)(x - logSumExp))];
    }
}
