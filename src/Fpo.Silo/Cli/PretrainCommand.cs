using System.CommandLine;
using Fpo.Models.Tokenization;
using Fpo.Models.Training;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Cli;

/// <summary>`fpo pretrain`: trains a small model from a text file, with checkpoints and --resume.</summary>
public static class PretrainCommand
{
    private static readonly PretrainSettings Defaults = new();

    public static Command Create()
    {
        var corpus = new Option<FileInfo>("--corpus") { Description = "UTF-8 text file to train on.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder: checkpoints, metrics.jsonl, tokenizer.json and the final model (Hugging Face layout).", Required = true };
        var config = new Option<string>("--config")
        {
            Description = $"Model shape: a preset ({string.Join(", ", ModelPresets.Names)}) or a Hugging Face config.json (its vocab_size is replaced by the tokenizer's).",
            DefaultValueFactory = _ => "tiny",
        };
        var family = new Option<string>("--family") { Description = "Family for a preset: gpt2 or llama.", DefaultValueFactory = _ => ModelConfig.Gpt2 };
        var tokenizer = new Option<DirectoryInfo?>("--tokenizer") { Description = "Folder with a tokenizer.json to use; by default a byte-level BPE is trained on the corpus." };
        var vocab = new Option<int>("--vocab-size") { Description = "Vocabulary size of the BPE trained on the corpus.", DefaultValueFactory = _ => 4096 };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps in total (with --resume: the new total).", DefaultValueFactory = _ => Defaults.Steps };
        var batch = new Option<int>("--batch") { Description = "Sequences per step (B).", DefaultValueFactory = _ => Defaults.BatchSize };
        var seq = new Option<int>("--seq") { Description = "Tokens per sequence (T).", DefaultValueFactory = _ => Defaults.SequenceLength };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (cosine decay to --min-lr-ratio of it).", DefaultValueFactory = _ => Defaults.LearningRate };
        var minLr = new Option<float>("--min-lr-ratio") { Description = "Final learning rate as a fraction of --lr.", DefaultValueFactory = _ => Defaults.MinLearningRateRatio };
        var warmup = new Option<int>("--warmup") { Description = "Linear warmup steps.", DefaultValueFactory = _ => Defaults.WarmupSteps };
        var decay = new Option<float>("--weight-decay") { Description = "AdamW weight decay (matrices only).", DefaultValueFactory = _ => Defaults.WeightDecay };
        var clip = new Option<float>("--grad-clip") { Description = "Global gradient-norm clip.", DefaultValueFactory = _ => Defaults.GradientClip };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights and of the batch order.", DefaultValueFactory = _ => Defaults.Seed };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints (the last two are kept).", DefaultValueFactory = _ => Defaults.CheckpointEvery };
        var evalEvery = new Option<int>("--eval-every") { Description = "Steps between validation losses.", DefaultValueFactory = _ => Defaults.EvalEvery };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its newest checkpoint, with its saved settings (only --steps may change them)." };

        var command = new Command("pretrain", "Train a small model from a text file: BPE tokenizer, next-token loss, AdamW, progress bar, checkpoints and --resume.")
        {
            corpus, output, config, family, tokenizer, vocab, steps, batch, seq, lr, minLr, warmup, decay, clip, seed, checkpointEvery, evalEvery, resume,
        };
        command.SetAction((parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var runDir = parse.GetValue(output)!.FullName;
            var corpusPath = parse.GetValue(corpus)!.FullName;
            // Read and decoded once: both the tokenizer training and the encoding need the whole text.
            var corpusText = CorpusText.Read(corpusPath);
            var settings = new PretrainSettings
            {
                Steps = parse.GetValue(steps), BatchSize = parse.GetValue(batch), SequenceLength = parse.GetValue(seq),
                LearningRate = parse.GetValue(lr), MinLearningRateRatio = parse.GetValue(minLr), WarmupSteps = parse.GetValue(warmup),
                WeightDecay = parse.GetValue(decay), GradientClip = parse.GetValue(clip), Seed = parse.GetValue(seed),
                CheckpointEvery = parse.GetValue(checkpointEvery), EvalEvery = parse.GetValue(evalEvery),
            };
            try { settings.Validate(); }
            catch (ArgumentException e) { throw new CliException(e.Message); }

            PretrainRun run;
            if (parse.GetValue(resume))
            {
                var bpe = HuggingFaceTokenizerFile.Load(Path.Combine(runDir, "tokenizer.json"));
                // Only an explicit --steps changes a resumed run; its other settings come from the checkpoint.
                int? newTotal = parse.GetResult(steps) is { Implicit: false } ? parse.GetValue(steps) : null;
                run = PretrainRun.Resume(runDir, Encode(bpe, corpusText, corpusPath), newTotal);
                Console.Error.WriteLine($"fpo: resuming {runDir} at step {run.NextStep}");
            }
            else
            {
                if (PretrainCheckpoint.Latest(runDir) is { } existing)
                    throw new CliException($"{runDir} already holds a run (checkpoint {existing}); pass --resume to continue it or choose another --out");
                var bpe = parse.GetValue(tokenizer) is { } tokDir
                    ? HuggingFaceTokenizerFile.Load(Path.Combine(tokDir.FullName, "tokenizer.json"))
                    : TrainTokenizer(corpusText, parse.GetValue(vocab));
                HuggingFaceTokenizerFile.Save(bpe, runDir);
                var modelConfig = ModelPresets.Resolve(parse.GetValue(config)!, parse.GetValue(family)!, bpe.VocabSize, settings.SequenceLength);
                var model = new TransformerModel(modelConfig, settings.Seed);
                Console.Error.WriteLine($"fpo: {modelConfig.Family} model, {model.Parameters.Length:N0} parameters, L={modelConfig.Layers} C={modelConfig.Channels} NH={modelConfig.Heads} V={modelConfig.VocabSize}");
                run = PretrainRun.Start(runDir, model, Encode(bpe, corpusText, corpusPath), settings);
            }
            Console.Error.WriteLine($"fpo: {run.Windows.TrainTokens:N0} training tokens, {run.Windows.ValidationTokens:N0} validation tokens");
            TrainingProgress.Show("pretrain", run.NextStep, reporter => run.Run(reporter, cancel), run.TotalSteps);
            Console.Error.WriteLine($"fpo: model saved in {runDir} (config.json, model.safetensors, tokenizer.json); metrics in {Path.Combine(runDir, PretrainRun.MetricsFile)}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static BpeTokenizer TrainTokenizer(string text, int vocabSize)
    {
        if (vocabSize < 257) throw new CliException($"--vocab-size must be at least 257 (256 byte tokens and <|endoftext|>), got {vocabSize}");
        BpeTokenizer? result = null;
        TrainingProgress.ShowFraction($"BPE tokenizer ({vocabSize} tokens)", p => result = BpeTrainer.Train([text], vocabSize, ["<|endoftext|>"], progress: p));
        return result!;
    }

    private static int[] Encode(BpeTokenizer bpe, string text, string corpusPath)
    {
        var ids = bpe.Encode(text, allowSpecial: false);
        if (ids.Length == 0) throw new CliException($"{corpusPath}: the corpus is empty");
        return ids;
    }
}
