using System.Reflection;
using System.Text;
using System.Text.Json;
using Fpo.Models.Checkpoints;
using Fpo.Models.Tokenization;
using Fpo.Models.Training;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Sae.Training;

namespace Fpo.Alignment.Tasks;

/// <summary>
/// The built-in story task, prepared from nothing but code: the generated corpus and prompts, a BPE tokenizer trained
/// on it, a GPT-2-style base policy pre-trained on it, a TopK SAE on the policy's residual stream, and the task's
/// constitution judge. Each stage is cached in the data folder by <see cref="StageCache"/>.
/// </summary>
public static class StoryTask
{
    public const string EndOfText = "<|endoftext|>";
    public const string CorpusFile = "corpus.txt", TrainPromptsFile = "train_prompts.jsonl", HeldOutPromptsFile = "heldout_prompts.jsonl",
        CorpusStatsFile = "corpus_stats.json", ConstitutionFile = "stories.yaml", EvaluationConstitutionFile = "stories-eval.yaml";

    public const string CorpusStage = "corpus", TokenizerStage = "tokenizer", PretrainStage = "policy", SaeStage = "sae", JudgeStage = "judge";

    private const string ConstitutionResource = "Fpo.Alignment.Tasks.stories.yaml", EvaluationConstitutionResource = "Fpo.Alignment.Tasks.stories-eval.yaml";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static PreparedTask Prepare(StoryTaskSettings settings, string dataFolder, ITaskProgress progress, CancellationToken ct)
    {
        settings.Validate();
        var cache = new StageCache(dataFolder, progress);

        var corpusKey = Key(CorpusStage, new { StoryGenerator.Version, settings.Generator, settings.CorpusSamples, settings.TrainPrompts, settings.HeldOutPrompts });
        var corpusDir = cache.Run(CorpusStage, corpusKey, dir => WriteCorpus(settings, dir, progress, ct), ct);
        var corpusPath = Path.Combine(corpusDir, CorpusFile);

        var tokenizerKey = Key(TokenizerStage, new { corpus = StageCache.Hash(corpusKey), settings.VocabSize });
        var tokenizerDir = cache.Run(TokenizerStage, tokenizerKey, dir => TrainTokenizer(corpusPath, settings.VocabSize, dir, progress), ct);

        var policyKey = Key(PretrainStage, new { tokenizer = StageCache.Hash(tokenizerKey), settings.Layers, settings.Channels, settings.Heads, settings.Pretrain });
        var modelDir = cache.Run(PretrainStage, policyKey, dir => Pretrain(settings, corpusPath, tokenizerDir, dir, progress, ct), ct);

        var saeKey = Key(SaeStage, new
        {
            policy = StageCache.Hash(policyKey), settings.SaeLayer, settings.SaeLatents, settings.SaeK, settings.SaeTokens, settings.SaeBatchSize,
            settings.SaeLearningRate,
        });
        var saeDir = cache.Run(SaeStage, saeKey, dir => TrainSae(settings, corpusPath, modelDir, dir, progress, ct), ct);

        var (constitution, evaluation) = (Constitution(), EvaluationConstitution());
        var judgeDir = cache.Run(JudgeStage, Key(JudgeStage, new { constitution, evaluation }), dir =>
        {
            File.WriteAllText(Path.Combine(dir, ConstitutionFile), constitution);
            File.WriteAllText(Path.Combine(dir, EvaluationConstitutionFile), evaluation);
        }, ct);

        return new PreparedTask(cache.DataFolder, modelDir, saeDir, settings.SaeLayer, Path.Combine(corpusDir, TrainPromptsFile),
            Path.Combine(corpusDir, HeldOutPromptsFile), Path.Combine(judgeDir, ConstitutionFile),
            Path.Combine(judgeDir, EvaluationConstitutionFile));
    }

    /// <summary>
    /// A prompt's token ids as the base policy expects them: &lt;|endoftext|&gt; first, as every document it was trained on
    /// starts, then the prompt (its text never holds special tokens).
    /// </summary>
    public static int[] EncodePrompt(BpeTokenizer tokenizer, string prompt)
    {
        var eos = tokenizer.EosTokenId ?? throw new ArgumentException("the tokenizer has no <|endoftext|> token, which the story task's prompts start with", nameof(tokenizer));
        return [eos, .. tokenizer.Encode(prompt, allowSpecial: false)];
    }

    /// <summary>The task's training judge: its constitution YAML (silo-config/judges/stories.yaml, built into the assembly).</summary>
    public static string Constitution() => Resource(ConstitutionResource);

    /// <summary>
    /// The task's evaluation judge (silo-config/judges/stories-eval.yaml): the story's own plot rather than the training
    /// judge's lexicons, so a policy that learns the training judge's quirks does not score with it.
    /// </summary>
    public static string EvaluationConstitution() => Resource(EvaluationConstitutionResource);

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the assembly lacks its embedded {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Key(string stage, object settings) => stage + " " + JsonSerializer.Serialize(settings);

    private static void WriteCorpus(StoryTaskSettings settings, string dir, ITaskProgress progress, CancellationToken ct)
    {
        progress.BeginStage(CorpusStage, settings.CorpusSamples);
        var generator = new StoryGenerator(settings.Generator);
        var prompts = new HashSet<string>(StringComparer.Ordinal);
        var flawCounts = Enum.GetValues<StoryFlaws>().Where(f => f != StoryFlaws.None).ToDictionary(f => f.ToString(), _ => 0);
        var clean = 0;
        using (var corpus = new StreamWriter(Path.Combine(dir, CorpusFile), append: false, new UTF8Encoding(false)))
        {
            const int Report = 1000;
            for (var i = 0; i < settings.CorpusSamples; i++)
            {
                var sample = generator.Sample(i);
                corpus.Write(sample.Text);
                corpus.Write(EndOfText);
                prompts.Add(sample.Prompt);
                if (sample.Flaws == StoryFlaws.None) clean++;
                foreach (var f in flawCounts.Keys) if (sample.Flaws.HasFlag(Enum.Parse<StoryFlaws>(f))) flawCounts[f]++;
                if ((i + 1) % Report == 0 || i + 1 == settings.CorpusSamples)
                {
                    ct.ThrowIfCancellationRequested();
                    progress.Advance((i % Report) + 1, $"{i + 1:N0} samples");
                }
            }
        }
        var (train, heldOut) = TaskPrompts.Draw(generator, prompts, settings.TrainPrompts, settings.HeldOutPrompts);
        TaskPrompts.Write(Path.Combine(dir, TrainPromptsFile), "train", train);
        TaskPrompts.Write(Path.Combine(dir, HeldOutPromptsFile), "heldout", heldOut);
        File.WriteAllText(Path.Combine(dir, CorpusStatsFile), JsonSerializer.Serialize(new
        {
            samples = settings.CorpusSamples, clean, flaws = flawCounts, distinct_prompts = prompts.Count,
        }, Indented));
        progress.EndStage(CorpusStage);
    }

    private static void TrainTokenizer(string corpusPath, int vocabSize, string dir, ITaskProgress progress)
    {
        const long Total = 1000;
        progress.BeginStage(TokenizerStage, Total);
        long reported = 0;
        var bpe = BpeTrainer.Train([File.ReadAllText(corpusPath)], vocabSize, [EndOfText], progress: new InlineProgress<double>(f =>
        {
            var now = (long)(f * Total);
            if (now > reported) progress.Advance(now - reported, $"{vocabSize} tokens");
            reported = Math.Max(reported, now);
        }));
        HuggingFaceTokenizerFile.Save(bpe, dir);
        progress.EndStage(TokenizerStage);
    }

    private static void Pretrain(StoryTaskSettings settings, string corpusPath, string tokenizerDir, string dir, ITaskProgress progress, CancellationToken ct)
    {
        var bpe = HuggingFaceTokenizerFile.Load(Path.Combine(tokenizerDir, "tokenizer.json"));
        var tokens = bpe.Encode(File.ReadAllText(corpusPath), allowSpecial: true);
        var p = settings.Pretrain;
        var config = ModelConfig.CreateGpt2(bpe.VocabSize, p.SequenceLength, settings.Layers, settings.Channels, settings.Heads);
        var model = new TransformerModel(config, p.Seed);
        var documents = new DocumentBatches(tokens, bpe.EosTokenId!.Value, p.SequenceLength, p.ValidationFraction);
        progress.BeginStage(PretrainStage, p.Steps);
        DocumentPretraining.Run(model, documents, p, new InlineProgress<PretrainProgress>(r => progress.Advance(1,
            $"loss {r.Loss:F3}" + (r.ValidationLoss is { } v ? $" val {v:F3}" : "") + $" {r.TokensPerSecond:F0} tok/s")), ct);
        HuggingFaceCheckpoint.Save(dir, model);
        HuggingFaceTokenizerFile.Save(bpe, dir);
        progress.EndStage(PretrainStage);
    }

    private static void TrainSae(StoryTaskSettings settings, string corpusPath, string modelDir, string dir, ITaskProgress progress, CancellationToken ct)
    {
        var (config, model) = HuggingFaceCheckpoint.Load(modelDir);
        var bpe = HuggingFaceTokenizerFile.Load(Path.Combine(modelDir, "tokenizer.json"));
        var tokens = bpe.Encode(File.ReadAllText(corpusPath), allowSpecial: true);
        var sae = new SaeConfig
        {
            Architecture = SaeArchitecture.TopK, InputSize = config.Channels, Latents = settings.SaeLatents, K = settings.SaeK,
            Layer = settings.SaeLayer, ModelName = "fpo-stories",
        };
        var training = new SaeTrainingSettings
        {
            TotalTokens = settings.SaeTokens, BatchSize = settings.SaeBatchSize, LearningRate = settings.SaeLearningRate,
            ContextSize = settings.Pretrain.SequenceLength, Seed = settings.Pretrain.Seed, CheckpointEvery = int.MaxValue,
        };
        var run = SaeTrainingRun.Start(dir, model, tokens, sae, training);
        progress.BeginStage(SaeStage, run.TotalSteps);
        run.Run(new InlineProgress<SaeTrainingProgress>(r => progress.Advance(1,
            $"mse {r.Metrics.Mse:G3} L0 {r.Metrics.L0:F1} dead {r.Metrics.DeadFraction:P0} {r.TokensPerSecond:F0} tok/s")), ct);
        ct.ThrowIfCancellationRequested();
        Directory.Delete(Path.Combine(dir, SaeTrainingCheckpoint.Folder), recursive: true);
        progress.EndStage(SaeStage);
    }
}
