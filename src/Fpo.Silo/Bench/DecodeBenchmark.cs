using System.Diagnostics;
using Fpo.Models.Transformer;
using Fpo.Tensors;

namespace Fpo.Silo.Bench;

/// <summary>
/// Greedy KV-cached decoding of a batch of random prompts with a random-weight GPT-2 of a given shape, timed in our
/// engine (fp32 and bf16 weights) and, with bench/decode_torch.py, in PyTorch's eager loop on the same shape and
/// thread count. Only the decode steps are timed (the prefill is not): newTokens steps of the whole batch, each
/// feeding back the argmax of the previous logits. One untimed warm-up run, then the median of the repeats.
/// </summary>
public static class DecodeBenchmark
{
    public static DecodeResult Run(DecodeShape shape, int batch, int threads, int prompt, int newTokens, int repeats, double copyBytesPerSecond)
    {
        var saved = ComputeThreads.Count;
        ComputeThreads.Count = threads;
        // The previous shape's model must not be collected during this one's timing.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        DecodeSpeed fp32, bf16;
        long bytesFp32, bytesBf16;
        try
        {
            var config = ModelConfig.CreateGpt2(shape.Vocab, prompt + newTokens, shape.Layers, shape.Channels, shape.Heads);
            var model = new TransformerModel(config, seed: 0);
            var prompts = RandomPrompts(batch, prompt, shape.Vocab);
            fp32 = Measure(model, prompts, newTokens, repeats);
            model.InferencePrecision = InferencePrecision.BFloat16;
            bf16 = Measure(model, prompts, newTokens, repeats);
            (bytesFp32, bytesBf16) = (WeightBytesPerStep(model, 4), WeightBytesPerStep(model, 2));
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
        var torch = TorchScript.Run("decode_torch.py",
            [.. shape.TorchArguments(), "--batch", $"{batch}", "--prompt", $"{prompt}", "--new-tokens", $"{newTokens}",
             "--threads", $"{threads}", "--repeats", $"{repeats}"], TimeSpan.FromMinutes(20));
        var torchSpeed = new DecodeSpeed(torch.GetProperty("tokens_per_s_median").GetDouble(), torch.GetProperty("tokens_per_s_best").GetDouble());
        return new DecodeResult(shape.Name, batch, threads, prompt, newTokens, fp32, bf16, torchSpeed, bytesFp32, bytesBf16, copyBytesPerSecond);
    }

    /// <summary>
    /// Bytes of parameters one decode step streams: every matrix of the blocks and the head at
    /// <paramref name="matrixBytes"/> per element, vectors (biases, norm weights) in fp32; the embedding tables are only
    /// indexed (one row each), so they count only as the head when it is tied.
    /// </summary>
    public static long WeightBytesPerStep(TransformerModel model, int matrixBytes)
    {
        var P = model.Layout;
        long bytes = (long)P.LmHead.Length * matrixBytes;
        foreach (var p in P.All)
        {
            if (p.View == P.Wte || p.View == P.Wpe || p.View == P.LmHead) continue;
            bytes += (long)p.View.Length * (p.Decays ? matrixBytes : 4);
        }
        return bytes;
    }

    private static DecodeSpeed Measure(TransformerModel model, int[][] prompts, int newTokens, int repeats)
    {
        var cache = model.CreateCache(prompts.Length, prompts[0].Length + newTokens);
        Generate(model, cache, prompts, newTokens);
        var times = new double[repeats];
        for (var r = 0; r < repeats; r++) times[r] = Generate(model, cache, prompts, newTokens);
        Array.Sort(times);
        var tokens = (double)prompts.Length * newTokens;
        return new DecodeSpeed(tokens / times[repeats / 2], tokens / times[0]);
    }

    // Seconds of the decode steps after an untimed prefill.
    private static double Generate(TransformerModel model, KvCache cache, int[][] prompts, int newTokens)
    {
        var S = prompts.Length;
        var V = model.Config.VocabSize;
        var slots = Enumerable.Range(0, S).ToArray();
        var next = new int[S];
        var logits = model.Prefill(cache, prompts);
        var watch = Stopwatch.StartNew();
        for (var step = 0; step < newTokens; step++)
        {
            for (var i = 0; i < S; i++) next[i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Slice(i * V, V));
            logits = model.DecodeStep(cache, slots, next);
        }
        return watch.Elapsed.TotalSeconds;
    }

    private static int[][] RandomPrompts(int batch, int length, int vocab)
    {
        var random = new Random(0);
        return [.. Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, length).Select(_ => random.Next(vocab)).ToArray())];
    }
}
