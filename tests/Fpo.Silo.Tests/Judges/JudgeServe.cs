using Fpo.Alignment.Judges;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Silo.Api;
using Microsoft.AspNetCore.Builder;

namespace Fpo.Silo.Tests.Judges;

/// <summary>
/// `fpo serve`'s server on a free 127.0.0.1 port hosting a tiny GPT-2 built to be a judge: its final layer norm's bias
/// and the embeddings of every token spelling "1" or "2" point the same way, so those tokens lead the next-token
/// distribution (and sit in the server's top 20 log-probs) while the choice between them still depends on the input.
/// </summary>
internal sealed class JudgeServe : IAsyncDisposable
{
    public const string ModelName = "tiny-judge";

    private readonly WebApplication _app;

    private JudgeServe(WebApplication app, Uri address) => (_app, Endpoint) = (app, new Uri(address, "/v1"));

    public Uri Endpoint { get; }

    public static BpeTokenizer Tokenizer => TinyModelFolder.Tokenizer;

    /// <summary>A fresh copy of the model (the same every time).</summary>
    public static TransformerModel Model()
    {
        var model = new TransformerModel(ModelConfig.CreateGpt2(Tokenizer.VocabSize, maxPositions: 512, layers: 2, channels: 32, heads: 4), seed: 1);
        var C = model.Config.Channels;
        var random = new Random(7);
        var u = Enumerable.Range(0, C).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();  // (C)
        var norm = MathF.Sqrt(u.Sum(x => x * x));
        var bias = model.Layout.Lnfb.In(model.Parameters);  // (C)
        for (var c = 0; c < C; c++) bias[c] = 4 * u[c] / norm;
        var wte = model.Layout.Wte.In(model.Parameters);  // (V, C)
        foreach (var id in ModelJudge.Spelling(Tokenizer, model.Config.VocabSize, "1").Concat(ModelJudge.Spelling(Tokenizer, model.Config.VocabSize, "2")))
            for (var c = 0; c < C; c++) wte[id * C + c] = 5 * u[c] / norm + (float)(random.NextDouble() - 0.5);
        return model;
    }

    public static async Task<JudgeServe> StartAsync()
    {
        var app = OpenAiServer.Create(Model(), Tokenizer, new ServerOptions { ModelName = ModelName, Port = 0, MaxBatch = 4 });
        return new JudgeServe(app, await OpenAiServer.StartAsync(app, TestContext.Current.CancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
