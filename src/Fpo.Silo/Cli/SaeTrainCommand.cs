using System.CommandLine;
using System.Text.Json;
using Fpo.Models.Generation;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Sae.Training;

namespace Fpo.Silo.Cli;

/// <summary>`fpo sae train`: trains an SAE on one layer's residual stream of a model, with checkpoints and --resume.</summary>
public static class SaeTrainCommand
{
    /// <summary>The run folder's record of where its tokens came from, so --resume rebuilds the same stream.</summary>
    private const string SourceFile = "sae_train.json";

    private sealed record Source(string? Corpus, string Hook, int Layer);

    private static readonly SaeTrainingSettings Defaults = new() { TotalTokens = 1 };

    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Model folder (config.json, model.safetensors, tokenizer.json).", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder: checkpoints, metrics.jsonl and the trained SAE (SAELens layout: cfg.json, sae_weights.safetensors).", Required = true };
        var layer = new Option<int?>("--layer") { Description = "Block whose residual stream the SAE reads." };
        var hook = new Option<string>("--hook") { Description = "resid_post (after the block) or resid_pre (entering it).", DefaultValueFactory = _ => "resid_post" };
        var arch = new Option<string>("--arch") { Description = "relu, topk, batchtopk (saved as jumprelu with one global threshold) or jumprelu.", DefaultValueFactory = _ => "topk" };
        var k = new Option<int>("--k") { Description = "Active latents per token (topk, batchtopk).", DefaultValueFactory = _ => 32 };
        var latents = new Option<int>("--latents") { Description = "Latents (d_sae).", DefaultValueFactory = _ => 4096 };
        var tokens = new Option<long?>("--tokens") { Description = "Tokens to train on (whole windows of --context)." };
        var corpus = new Option<FileInfo?>("--corpus")
        {
            Description = "UTF-8 text to harvest activations from, tokenised with the model's tokenizer. Default: the model's own " +
                "samples (temperature 1, each window starting at <|endoftext|>, seeded by --seed), generated before training.",
        };
        var context = new Option<int>("--context") { Description = "Tokens per window (each a fresh context), at most the model's positions.", DefaultValueFactory = _ => Defaults.ContextSize };
        var batch = new Option<int>("--batch") { Description = "Activations per optimizer step.", DefaultValueFactory = _ => Defaults.BatchSize };
        var lr = new Option<float>("--lr") { Description = "Peak Adam learning rate (1% warmup, linear decay over the last 20%).", DefaultValueFactory = _ => Defaults.LearningRate };
        var l1 = new Option<float?>("--l1") { Description = $"L1 coefficient of --arch relu (default {Defaults.Losses.L1Coefficient}); ramps up over the first 5% of steps." };
        var l0 = new Option<float?>("--l0") { Description = $"L0 coefficient of --arch jumprelu (default {Defaults.Losses.L0Coefficient}); ramps up over the first 5% of steps." };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights, the batch shuffling and the sampled token stream.", DefaultValueFactory = _ => Defaults.Seed };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints (the last two are kept).", DefaultValueFactory = _ => Defaults.CheckpointEvery };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its newest checkpoint, with its saved settings and token source." };

        var command = new Command("train", "Train a sparse autoencoder on a model's residual stream: progress bar, checkpoints and --resume; the run folder ends as a SAELens SAE folder.")
        {
            model, output, layer, hook, arch, k, latents, tokens, corpus, context, batch, lr, l1, l0, seed, checkpointEvery, resume,
        };
        command.SetAction((parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var runDir = parse.GetValue(output)!.FullName;
            var (transformer, tokenizer) = ModelFolder.Load(parse.GetValue(model)!.FullName);
            SaeTrainingRun run;
            if (parse.GetValue(resume))
            {
                foreach (var option in new Option[] { layer, hook, arch, k, latents, tokens, context, batch, lr, l1, l0, seed })
                    if (parse.GetResult(option) is { Implicit: false })
                        throw new CliException($"--resume continues with the run's saved settings: drop {option.Name}");
                var latest = SaeTrainingCheckpoint.Latest(runDir)
                    ?? throw new CliException($"--out {runDir}: no checkpoint to resume from (run without --resume to start one)");
                var source = ReadSource(runDir);
                var corpusPath = parse.GetValue(corpus)?.FullName ?? source.Corpus;
                if (corpusPath != source.Corpus)
                    throw new CliException($"--corpus {corpusPath}: the run in {runDir} was trained on {source.Corpus ?? "the model's own samples"}; resume it with the same tokens");
                var state = SaeTrainingCheckpoint.ReadState(latest);
                var stream = TokenStream(transformer, tokenizer, corpusPath, state.Settings);
                run = Guard(corpusPath, () => SaeTrainingRun.Resume(runDir, transformer, stream));
                Console.Error.WriteLine($"fpo: resuming {runDir} at step {run.NextStep}");
            }
            else
            {
                if (SaeTrainingCheckpoint.Latest(runDir) is { } existing)
                    throw new CliException($"--out {runDir} already holds an SAE training run (checkpoint {existing}); pass --resume to continue it or choose another --out");
                var architecture = Architecture(parse.GetValue(arch)!);
                var hookName = parse.GetValue(hook)!;
                var saeLayer = SaeLayer(parse.GetValue(layer), hookName, transformer.Config.Layers);
                var latentCount = parse.GetValue(latents);
                var topK = architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK;
                if (!topK && parse.GetResult(k) is { Implicit: false }) throw new CliException($"--k applies to --arch topk and batchtopk, not {parse.GetValue(arch)}");
                if (latentCount < 1) throw new CliException($"--latents must be at least 1 (got {latentCount})");
                if (topK && (parse.GetValue(k) < 1 || parse.GetValue(k) > latentCount))
                    throw new CliException($"--k {parse.GetValue(k)} must be in [1, --latents {latentCount}]");
                if (parse.GetValue(l1) is not null && architecture != SaeArchitecture.ReLU) throw new CliException($"--l1 applies to --arch relu, not {parse.GetValue(arch)}");
                if (parse.GetValue(l0) is not null && architecture != SaeArchitecture.JumpReLU) throw new CliException($"--l0 applies to --arch jumprelu, not {parse.GetValue(arch)}");
                var totalTokens = parse.GetValue(tokens) ?? throw new CliException("--tokens is required (the tokens to train on)");
                var contextSize = parse.GetValue(context);
                if (contextSize < 1 || contextSize > transformer.Config.MaxPositions)
                    throw new CliException($"--context {contextSize} must be in [1, {transformer.Config.MaxPositions}] (the model's positions)");
                var settings = new SaeTrainingSettings
                {
                    TotalTokens = totalTokens, BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr), ContextSize = contextSize,
                    Seed = parse.GetValue(seed), CheckpointEvery = parse.GetValue(checkpointEvery),
                    Losses = Defaults.Losses with
                    {
                        L1Coefficient = parse.GetValue(l1) ?? Defaults.Losses.L1Coefficient,
                        L0Coefficient = parse.GetValue(l0) ?? Defaults.Losses.L0Coefficient,
                    },
                };
                try { settings.Validate(); }
                catch (ArgumentException e) { throw new CliException(e.Message); }
                var config = new SaeConfig
                {
                    Architecture = architecture, InputSize = transformer.Config.Channels, Latents = latentCount, K = topK ? parse.GetValue(k) : 0,
                    Layer = saeLayer, ModelName = Path.GetFileName(parse.GetValue(model)!.FullName.TrimEnd(Path.DirectorySeparatorChar)),
                };
                var corpusPath = parse.GetValue(corpus)?.FullName;
                var stream = TokenStream(transformer, tokenizer, corpusPath, settings);
                run = Guard(corpusPath, () => SaeTrainingRun.Start(runDir, transformer, stream, config, settings));
                File.WriteAllText(Path.Combine(runDir, SourceFile), JsonSerializer.Serialize(new Source(corpusPath, hookName, parse.GetValue(layer)!.Value)));
                Console.Error.WriteLine($"fpo: {parse.GetValue(arch)} SAE, {latentCount:N0} latents over {hookName} of layer {parse.GetValue(layer)} (d_in {config.InputSize}), " +
                    $"{run.TotalSteps:N0} steps of {settings.BatchSize:N0} activations");
            }
            TrainingProgress.Show("sae train", run.NextStep, reporter => run.Run(reporter, cancel), run.TotalSteps);
            Console.Error.WriteLine($"fpo: SAE saved in {runDir} (cfg.json, sae_weights.safetensors); metrics in {Path.Combine(runDir, SaeTrainingRun.MetricsFile)}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static SaeArchitecture Architecture(string name) => name switch
    {
        "relu" => SaeArchitecture.ReLU,
        "topk" => SaeArchitecture.TopK,
        "batchtopk" => SaeArchitecture.BatchTopK,
        "jumprelu" => SaeArchitecture.JumpReLU,
        _ => throw new CliException($"--arch {name} is unknown: use relu, topk, batchtopk or jumprelu"),
    };

    // The SAE's layer in resid_post terms: resid_pre of block L is resid_post of block L − 1.
    private static int SaeLayer(int? layer, string hook, int L)
    {
        var l = layer ?? throw new CliException("--layer is required (the block whose residual stream the SAE reads)");
        if (l < 0 || l >= L) throw new CliException($"--layer {l} is out of range: the model has layers 0..{L - 1}");
        return hook switch
        {
            "resid_post" => l,
            "resid_pre" when l == 0 => throw new CliException("--layer 0 --hook resid_pre is the embedding output, which is not hooked: use --layer >= 1 or --hook resid_post"),
            "resid_pre" => l - 1,
            _ => throw new CliException($"--hook {hook} is unknown: use resid_post or resid_pre"),
        };
    }

    private static SaeTrainingRun Guard(string? corpusPath, Func<SaeTrainingRun> start)
    {
        try { return start(); }
        catch (ArgumentException e) { throw new CliException(corpusPath is null ? e.Message : $"--corpus {corpusPath}: {e.Message}"); }
        catch (InvalidDataException e) { throw new CliException(e.Message); }
    }

    private static Source ReadSource(string runDir)
    {
        var path = Path.Combine(runDir, SourceFile);
        try
        {
            return JsonSerializer.Deserialize<Source>(File.ReadAllText(path)) ?? throw new CliException($"{path}: empty");
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            throw new CliException($"{path}: cannot read the run's token source ({e.Message})");
        }
    }

    private static int[] TokenStream(TransformerModel model, BpeTokenizer tokenizer, string? corpusPath, SaeTrainingSettings settings)
    {
        if (corpusPath is not null)
        {
            var ids = tokenizer.Encode(CorpusText.Read(corpusPath), allowSpecial: false);
            if (ids.Length < settings.ContextSize)
                throw new CliException($"--corpus {corpusPath}: {ids.Length:N0} tokens do not make one window of {settings.ContextSize} (--context)");
            return ids;
        }
        Console.Error.WriteLine($"fpo: no --corpus: sampling {settings.TotalTokens / settings.ContextSize * settings.ContextSize:N0} tokens from the model itself (temperature 1, seed {settings.Seed}) as the training stream");
        int[]? stream = null;
        TrainingProgress.ShowFraction("sampling the token stream", p => stream = SampledStream(model, tokenizer, settings, p));
        return stream!;
    }

    /// <summary>
    /// Windows of T tokens sampled from the model: window w is &lt;|endoftext|&gt; followed by T − 1 sampled tokens, drawn
    /// in requests of <see cref="WindowsPerRequest"/> samples, request r seeded with seed + r; a pure function of the
    /// seed, so --resume regenerates the same stream.
    /// </summary>
    private static int[] SampledStream(TransformerModel model, BpeTokenizer tokenizer, SaeTrainingSettings settings, IProgress<double> progress)
    {
        var T = settings.ContextSize;
        if (T < 2) throw new CliException($"--context {T}: sampling the token stream needs windows of at least 2 tokens (or pass --corpus)");
        var eos = tokenizer.EosTokenId ?? throw new CliException("the model's tokenizer has no <|endoftext|> to start samples from: pass --corpus");
        var windows = settings.TotalTokens / T;
        if (windows * T > Array.MaxLength) throw new CliException($"--tokens {settings.TotalTokens:N0}: a sampled stream that long does not fit in memory; pass --corpus");
        var stream = new int[windows * T];
        var engine = new GenerationEngine(model, tokenizer: null, new GenerationOptions { MaxBatch = 32, MaxSequenceLength = T });
        for (long first = 0, r = 0; first < windows; first += WindowsPerRequest, r++)
        {
            var n = (int)Math.Min(WindowsPerRequest, windows - first);
            var request = new GenerationRequest
            {
                Id = $"window-{first}", PromptTokens = [eos], N = n, MaxNewTokens = T - 1, IgnoreEos = true, Seed = (ulong)(settings.Seed + r),
            };
            var result = engine.Generate([request])[0];
            if (!result.Succeeded) throw new CliException($"sampling the token stream failed: {result.Error}");
            foreach (var sample in result.Samples)
            {
                if (sample.Tokens.Count != T - 1)
                    throw new CliException($"sampling the token stream: window {first + sample.Index} has {sample.Tokens.Count} new tokens, not {T - 1}");
                var at = (first + sample.Index) * T;
                stream[at] = eos;
                for (var t = 0; t < sample.Tokens.Count; t++) stream[at + 1 + t] = sample.Tokens[t];
            }
            progress.Report((double)(first + n) / windows);
        }
        return stream;
    }

    private const int WindowsPerRequest = 256;
}
