using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Silo.Api;
using Fpo.Tensors;

namespace Fpo.Silo.Bench;

/// <summary>
/// `fpo serve` under load in one process: the server on a free 127.0.0.1 port with a tiny random GPT-2 (the `tiny`
/// preset shape: L=4, C=256, NH=4, a 512-id BPE), and an HTTP client that sends every chat request at once
/// (ignore_eos, so each generates exactly its max_tokens). One warm-up request runs first. There is no PyTorch
/// counterpart: PyTorch has no server of its own.
/// </summary>
public static class ServeBenchmark
{
    public static ServeBenchResult Run(int requests, int newTokens, int maxBatch, int threads)
    {
        var saved = ComputeThreads.Count;
        ComputeThreads.Count = threads;
        try
        {
            return RunAsync(requests, newTokens, maxBatch, threads).GetAwaiter().GetResult();
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
    }

    private static async Task<ServeBenchResult> RunAsync(int requests, int newTokens, int maxBatch, int threads)
    {
        var tokenizer = BpeTrainer.Train(Enumerable.Range(0, 400).Select(i => $"user {i % 13} asks the model about cat {i % 7} and dog {i % 5}. "), 512, ["<|endoftext|>"]);
        var model = new TransformerModel(ModelConfig.CreateGpt2(tokenizer.VocabSize, maxPositions: 256, layers: 4, channels: 256, heads: 4), seed: 1);
        var options = new ServerOptions { ModelName = "bench", Port = 0, MaxBatch = maxBatch, QueueCapacity = Math.Max(requests, 1) };
        await using var app = OpenAiServer.Create(model, tokenizer, options);
        var address = await OpenAiServer.StartAsync(app);
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
        await ChatAsync(http, 0, newTokens);

        var engine = app.Services.GetRequiredService<GenerationService>();
        var stepsBefore = engine.Engine.DecodeSteps;
        var clock = Stopwatch.StartNew();
        var replies = await Task.WhenAll(Enumerable.Range(1, requests).Select(i => ChatAsync(http, i, newTokens)));
        var wall = clock.Elapsed.TotalSeconds;
        await app.StopAsync();
        var latencies = replies.Select(r => r.Seconds).Order().ToArray();
        return new ServeBenchResult(requests, newTokens, engine.Engine.MaxBatch, threads, wall, replies.Sum(r => (long)r.Tokens),
            Percentile(latencies, 0.50), Percentile(latencies, 0.95), engine.Engine.DecodeSteps - stepsBefore);
    }

    private static async Task<(double Seconds, int Tokens)> ChatAsync(HttpClient http, int i, int newTokens)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "bench", messages = new[] { new { role = "user", content = $"tell me about cat {i % 7}" } },
            max_tokens = newTokens, temperature = 0.8, seed = i, ignore_eos = true,
        });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"bench serve: request {i} got {(int)response.StatusCode}: {body}");
        var tokens = JsonDocument.Parse(body).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        return (clock.Elapsed.TotalSeconds, tokens);
    }

    // Nearest-rank percentile of sorted values.
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
