using Fpo.Models.Generation;
using Fpo.Models.Sampling;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Cli;

/// <summary>The token stream `fpo sae eval` measures on: a corpus file, or windows sampled from the model itself.</summary>
public static class SaeEvalTokens
{
    /// <summary>The corpus encoded with the model's tokenizer (special-token text is read as plain text).</summary>
    public static int[] FromCorpus(string path, BpeTokenizer tokenizer, int context)
    {
        var tokens = tokenizer.Encode(CorpusText.Read(path), allowSpecial: false);
        if (tokens.Length < context)
            throw new CliException($"--corpus {path}: {tokens.Length} tokens, fewer than one window of --context {context}");
        return tokens;
    }

    /// <summary>
    /// <paramref name="windows"/> windows of <paramref name="context"/> tokens, each the start token (BOS, else EOS, else
    /// id 0) followed by context − 1 tokens sampled at temperature 1 with no other filter, end-of-text ignored; window i
    /// is sample i of one request seeded with <paramref name="seed"/>, so a run repeats.
    /// </summary>
    public static int[] Sample(TransformerModel model, BpeTokenizer tokenizer, int windows, int context, ulong seed, CancellationToken cancel)
    {
        var start = tokenizer.BosTokenId ?? tokenizer.EosTokenId ?? 0;
        var engine = new GenerationEngine(model, tokenizer, new GenerationOptions { MaxBatch = Math.Min(windows, 16), MaxSequenceLength = context });
        var request = new GenerationRequest
        {
            Id = "sae-eval", PromptTokens = [start], N = windows, MaxNewTokens = context - 1, IgnoreEos = true,
            Sampling = new SamplingParams(), Seed = seed,
        };
        var result = engine.Generate([request], ct: cancel)[0];
        if (result.Error is { } error) throw new CliException($"sampling evaluation tokens from the model failed: {error}");
        var tokens = new int[windows * context];
        for (var w = 0; w < windows; w++)
        {
            tokens[w * context] = start;
            var sample = result.Samples[w].Tokens;
            if (sample.Count < context - 1) throw new CliException($"sampling evaluation tokens: sample {w} stopped after {sample.Count} of {context - 1} tokens");
            for (var t = 0; t < context - 1; t++) tokens[w * context + 1 + t] = sample[t];
        }
        return tokens;
    }
}
