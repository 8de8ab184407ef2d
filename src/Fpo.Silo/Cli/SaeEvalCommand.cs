using System.CommandLine;
using System.Diagnostics;
using Fpo.Sae.Evaluation;

namespace Fpo.Silo.Cli;

/// <summary>`fpo sae eval`: how well an SAE reconstructs a model's residual stream and what splicing it in costs.</summary>
public static class SaeEvalCommand
{
    private static readonly SaeEvaluationSettings Defaults = new();

    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Hugging Face model folder: config.json, model.safetensors and tokenizer.json.", Required = true };
        var sae = new Option<DirectoryInfo>("--sae") { Description = "SAELens SAE folder (cfg.json, sae_weights.safetensors) over a residual stream of --model.", Required = true };
        var tokens = new Option<long>("--tokens") { Description = "Tokens to evaluate (whole windows of --context; a shorter tail is dropped).", DefaultValueFactory = _ => 4096 };
        var corpus = new Option<FileInfo?>("--corpus")
        {
            Description = "UTF-8 text to evaluate on, encoded with the model's tokenizer. Without it the tokens are sampled from the model itself " +
                          "(temperature 1, each window starting from the BOS/EOS token; --seed makes it repeatable).",
        };
        var context = new Option<int?>("--context") { Description = $"Tokens per window, each a fresh context (default: {Defaults.ContextSize}, or the model's positions if fewer)." };
        var batch = new Option<int>("--batch") { Description = "Windows per forward pass.", DefaultValueFactory = _ => Defaults.WindowsPerBatch };
        var dense = new Option<double>("--dense-threshold") { Description = "A latent is dense when it fires on more than this fraction of the tokens.", DefaultValueFactory = _ => Defaults.DenseThreshold };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the sampled tokens (without --corpus).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (fields documented in SaeEvalReport.Json) instead of the table." };

        var command = new Command("eval",
            "Measure an SAE on a model: L0, MSE, FVU, cosine similarity, CE loss with the reconstruction spliced in vs clean and zero-ablated " +
            "(CE recovered), KL to the clean next-token distribution, dead/dense latents and a log10 feature-density histogram. " +
            "FVU = Σ_t ‖x_t − x̂_t‖² / Σ_t ‖x_t − x̄‖² with x̄ the mean activation over the evaluated tokens.")
        {
            model, sae, tokens, corpus, context, batch, dense, seed, json,
        };
        command.SetAction((parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var modelDir = parse.GetValue(model)!.FullName;
            var saeDir = parse.GetValue(sae)!.FullName;
            var (policy, tokenizer) = ModelFolder.Load(modelDir);
            var weights = SaeFolderOption.Load(saeDir, policy.Config);
            var positions = policy.Config.MaxPositions;
            var T = parse.GetValue(context) ?? Math.Min(Defaults.ContextSize, positions);
            if (T < 2 || T > positions) throw new CliException($"--context must be in [2, {positions}] (the model's positions; a window needs a next token), got {T}");
            var maxTokens = parse.GetValue(tokens);
            if (maxTokens < T) throw new CliException($"--tokens {maxTokens} is less than one window of --context {T}");
            var windowsPerBatch = parse.GetValue(batch);
            if (windowsPerBatch < 1) throw new CliException($"--batch must be at least 1 (got {windowsPerBatch})");
            var threshold = parse.GetValue(dense);
            if (!(threshold > 0 && threshold < 1)) throw new CliException($"--dense-threshold must be in (0, 1) (got {threshold})");

            int[] stream;
            string source;
            if (parse.GetValue(corpus) is { } file)
            {
                stream = SaeEvalTokens.FromCorpus(file.FullName, tokenizer, T);
                source = $"corpus {file.FullName}";
            }
            else
            {
                var windows = (int)Math.Min(maxTokens / T, int.MaxValue / T);
                var sampleSeed = parse.GetValue(seed);
                error.WriteLine($"fpo: no --corpus: sampling {windows} windows of {T} tokens from the model (temperature 1, seed {sampleSeed})");
                stream = SaeEvalTokens.Sample(policy, tokenizer, windows, T, sampleSeed, cancel);
                source = $"sampled from the model, seed {sampleSeed}";
            }
            SaeEvaluator evaluator;
            try
            {
                evaluator = new SaeEvaluator(policy, weights, new SaeEvaluationSettings
                {
                    ContextSize = T, WindowsPerBatch = windowsPerBatch, MaxTokens = maxTokens, DenseThreshold = threshold,
                });
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.Message);
            }
            var total = evaluator.TokensEvaluated(stream.Length);
            error.WriteLine($"fpo: evaluating {total:N0} tokens on resid_post[{weights.Config.Layer}] ({weights.Config.Architecture}, d_sae {weights.Config.Latents})");
            SaeEvaluation? result = null;
            var clock = Stopwatch.StartNew();
            SaeEvalProgress.Show(error, total, p => result = evaluator.Evaluate(stream, p, cancel));
            error.WriteLine($"fpo: {total:N0} tokens evaluated in {clock.Elapsed.TotalSeconds:F1} s ({total / clock.Elapsed.TotalSeconds:F0} tok/s, three forwards each)");
            var report = new SaeEvalReport.Source(modelDir, saeDir, weights.Config, source);
            if (parse.GetValue(json)) output.WriteLine(SaeEvalReport.Json(result!, report));
            else SaeEvalReport.Table(output, result!, report);
            return Task.FromResult(0);
        });
        return command;
    }
}
