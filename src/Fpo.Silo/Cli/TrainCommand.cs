using System.CommandLine;
using Fpo.Alignment.Losses;
using Fpo.Alignment.Preferences;
using Fpo.Alignment.Training;
using Fpo.Models.Tokenization;
using Fpo.Sae;

namespace Fpo.Silo.Cli;

/// <summary>`fpo train`: offline preference training of a policy on a JSONL file with FPO, DPO, SimPO, TDPO1 or TDPO2.</summary>
public static class TrainCommand
{
    private static readonly PreferenceTrainingSettings Defaults = new();

    public static Command Create()
    {
        var method = new Option<string>("--method") { Description = $"Preference method: {string.Join(", ", PreferenceTrainingSettings.Methods)}." };
        method.AcceptOnlyFromAmong(PreferenceTrainingSettings.Methods);
        var policy = new Option<DirectoryInfo?>("--policy") { Description = "The policy to train (usually the SFT model): a Hugging Face folder with tokenizer.json." };
        var pairs = new Option<FileInfo>("--pairs")
        {
            Description = "Preference JSON Lines; text-only pairs are tokenised with the policy's tokenizer. dpo and fpo read the reference data " +
                "./fpo reference adds (fpo: with --sae).",
            Required = true,
        };
        var sae = new Option<DirectoryInfo?>("--sae") { Description = "fpo: the SAE folder (SAELens) the pairs' reference features were computed with." };
        var reference = new Option<DirectoryInfo?>("--reference")
        {
            Description = "tdpo1/tdpo2: the frozen reference model folder. Default: a copy of the policy's initial weights, saved in --out/reference.",
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder: checkpoints, metrics.jsonl and the trained policy (Hugging Face layout, tokenizer included).", Required = true };
        var beta = new Option<float?>("--beta") { Description = $"β of the implicit reward (default: {PerMethod(s => s.Beta)})." };
        var alpha = new Option<float?>("--alpha") { Description = $"Weight α of the divergence term of fpo and tdpo2 (default {new FpoSettings().Alpha})." };
        var gamma = new Option<float?>("--gamma") { Description = $"simpo's target margin γ, in absolute units (default {new SimPoSettings().Gamma} = 0.5 β)." };
        var topK = new Option<int?>("--top-k") { Description = $"fpo: k of I_k, the latents D_fpo compares (default {new FpoSettings().TopK})." };
        var policyOnly = new Option<bool>("--policy-only-top-k") { Description = "fpo: I_k = the policy's top-k alone, as the official code (default: union with the reference's)." };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => Defaults.LearningRate };
        var schedule = new Option<string>("--schedule") { Description = "After the warmup: cosine (decay to --min-lr-ratio × lr) or constant.", DefaultValueFactory = _ => Defaults.Schedule };
        schedule.AcceptOnlyFromAmong("cosine", "constant");
        var minLr = new Option<float>("--min-lr-ratio") { Description = "Final learning rate of the cosine as a fraction of --lr.", DefaultValueFactory = _ => Defaults.MinLearningRateRatio };
        var warmup = new Option<float>("--warmup") { Description = "Linear warmup as a fraction of the steps.", DefaultValueFactory = _ => Defaults.WarmupFraction };
        var adamBeta1 = new Option<float>("--adam-beta1") { Description = "AdamW β1.", DefaultValueFactory = _ => Defaults.Beta1 };
        var adamBeta2 = new Option<float>("--adam-beta2") { Description = "AdamW β2.", DefaultValueFactory = _ => Defaults.Beta2 };
        var adamEps = new Option<float>("--adam-eps") { Description = "AdamW ε.", DefaultValueFactory = _ => Defaults.Eps };
        var decay = new Option<float>("--weight-decay") { Description = "AdamW weight decay (matrices only).", DefaultValueFactory = _ => Defaults.WeightDecay };
        var clip = new Option<float>("--grad-clip") { Description = "Global gradient-norm clip.", DefaultValueFactory = _ => Defaults.GradientClip };
        var batch = new Option<int>("--batch") { Description = "Pairs per step (2× as many rows).", DefaultValueFactory = _ => Defaults.BatchSize };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training pairs (when --steps is 0).", DefaultValueFactory = _ => Defaults.Epochs };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps in total; 0 = --epochs passes (with --resume: the new total).", DefaultValueFactory = _ => Defaults.Steps };
        var seed = new Option<int>("--seed") { Description = "Seed of the held-out split and of each epoch's batch order.", DefaultValueFactory = _ => Defaults.Seed };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints (the last two are kept).", DefaultValueFactory = _ => Defaults.CheckpointEvery };
        var heldOut = new Option<float>("--held-out") { Description = "Share of the pairs held out for evaluation metrics (0: none).", DefaultValueFactory = _ => Defaults.HeldOutFraction };
        var evalEvery = new Option<int>("--eval-every") { Description = "Steps between held-out evaluations (and the last step).", DefaultValueFactory = _ => Defaults.EvalEvery };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its newest checkpoint with its saved settings, SAE and reference (only --steps may change); give the same --pairs." };

        Option[] settingsOptions = [method, policy, sae, reference, beta, alpha, gamma, topK, policyOnly, lr, schedule, minLr, warmup, adamBeta1, adamBeta2, adamEps,
            decay, clip, batch, epochs, seed, checkpointEvery, heldOut, evalEvery];
        var command = new Command("train", "Preference-train a policy offline on JSONL pairs with fpo, dpo, simpo, tdpo1 or tdpo2: progress bar, metrics.jsonl, checkpoints and --resume; the run folder ends as a Hugging Face model folder.")
        {
            method, policy, pairs, sae, reference, output, beta, alpha, gamma, topK, policyOnly, lr, schedule, minLr, warmup, adamBeta1, adamBeta2, adamEps,
            decay, clip, batch, epochs, steps, seed, checkpointEvery, heldOut, evalEvery, resume,
        };
        command.SetAction((parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var error = parse.InvocationConfiguration.Error;
            var runDir = parse.GetValue(output)!.FullName;
            var pairsPath = parse.GetValue(pairs)!.FullName;
            PreferenceRun run;
            try
            {
                if (parse.GetValue(resume))
                {
                    foreach (var option in settingsOptions)
                        if (parse.GetResult(option) is { Implicit: false })
                            throw new CliException($"--resume continues with the run's saved settings, SAE and reference: drop {option.Name}");
                    if (PreferenceCheckpoint.Latest(runDir) is null) throw new CliException($"--resume: {runDir} holds no checkpoint to resume from");
                    var tokenizer = HuggingFaceTokenizerFile.Load(Path.Combine(runDir, "tokenizer.json"));
                    int? newTotal = parse.GetResult(steps) is { Implicit: false } ? parse.GetValue(steps) : null;
                    run = PreferenceRun.Resume(runDir, ReadPairs(pairsPath, tokenizer), newTotal);
                    error.WriteLine($"fpo: resuming {runDir} at step {run.NextStep}");
                }
                else
                {
                    var settings = Settings(parse, method, beta, alpha, gamma, topK, policyOnly, lr, schedule, minLr, warmup, adamBeta1, adamBeta2, adamEps,
                        decay, clip, batch, epochs, steps, seed, checkpointEvery, heldOut, evalEvery);
                    if (PreferenceCheckpoint.Latest(runDir) is { } existing)
                        throw new CliException($"{runDir} already holds a run (checkpoint {existing}); pass --resume to continue it or choose another --out");
                    var policyDir = parse.GetValue(policy)?.FullName ?? throw new CliException("--policy is required (the model to train)");
                    var (model, tokenizer) = ModelFolder.Load(policyDir, "--policy");
                    var saeDir = parse.GetValue(sae)?.FullName;
                    var referenceDir = parse.GetValue(reference)?.FullName;
                    CheckMethodInputs(settings.Method, saeDir, referenceDir);
                    SaeWeights? weights = saeDir is null ? null : SaeFolderOption.Load(saeDir, model.Config);
                    var referenceModel = referenceDir is null ? null : ModelFolder.Load(referenceDir, "--reference").Model;
                    var read = ReadPairs(pairsPath, tokenizer);
                    run = PreferenceRun.Start(runDir, model, read, settings, Path.Combine(policyDir, "tokenizer.json"),
                        weights is null ? null : (weights, saeDir!), referenceModel is null ? null : (referenceModel, referenceDir!));
                    error.WriteLine($"fpo: {settings.Method} on {run.TrainPairs} pairs ({run.HeldOutPairs} held out), {run.BatchesPerEpoch} batches of up to " +
                        $"{settings.BatchSize} pairs per epoch, {run.TotalSteps} steps; {settings.Loss()}");
                }
                TrainingProgress.Show($"train {run.Settings.Method}", run.NextStep, reporter => run.Run(reporter, cancel), run.TotalSteps);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or InvalidOperationException)
            {
                throw new CliException(e.Message);
            }
            var final = run.LastHeldOut;
            error.WriteLine($"fpo: policy saved in {runDir} (config.json, model.safetensors, tokenizer.json); metrics in {Path.Combine(runDir, PreferenceRun.MetricsFile)}" +
                (final is null ? "" : $"; held-out accuracy {final.Accuracy:P1}, loss {final.Loss:F4}"));
            return Task.FromResult(0);
        });
        return command;
    }

    private static List<PreferencePair> ReadPairs(string path, BpeTokenizer tokenizer) => PairTokenization.Tokenize(PreferenceJsonl.Read(path), tokenizer);

    private static void CheckMethodInputs(string method, string? saeDir, string? referenceDir)
    {
        if (method == "fpo" && saeDir is null)
            throw new CliException("--method fpo needs --sae: the SAE whose features the pairs' reference data holds (./fpo reference --sae computes them)");
        if (method != "fpo" && saeDir is not null) throw new CliException($"--sae is read only by fpo, not by {method}");
        if (referenceDir is not null && method is not ("tdpo1" or "tdpo2"))
            throw new CliException($"--reference is read only by tdpo1 and tdpo2; {method} reads its reference data from the pairs (./fpo reference)");
    }

    private static PreferenceTrainingSettings Settings(ParseResult parse, Option<string> method, Option<float?> beta, Option<float?> alpha, Option<float?> gamma,
        Option<int?> topK, Option<bool> policyOnly, Option<float> lr, Option<string> schedule, Option<float> minLr, Option<float> warmup, Option<float> adamBeta1,
        Option<float> adamBeta2, Option<float> adamEps, Option<float> decay, Option<float> clip, Option<int> batch, Option<int> epochs, Option<int> steps,
        Option<int> seed, Option<int> checkpointEvery, Option<float> heldOut, Option<int> evalEvery)
    {
        var settings = new PreferenceTrainingSettings
        {
            Method = parse.GetValue(method) ?? throw new CliException($"--method is required ({string.Join(", ", PreferenceTrainingSettings.Methods)})"),
            Beta = parse.GetValue(beta), Alpha = parse.GetValue(alpha), Gamma = parse.GetValue(gamma), TopK = parse.GetValue(topK),
            PolicyOnlyTopK = parse.GetValue(policyOnly), LearningRate = parse.GetValue(lr), Schedule = parse.GetValue(schedule)!,
            MinLearningRateRatio = parse.GetValue(minLr), WarmupFraction = parse.GetValue(warmup), Beta1 = parse.GetValue(adamBeta1),
            Beta2 = parse.GetValue(adamBeta2), Eps = parse.GetValue(adamEps), WeightDecay = parse.GetValue(decay), GradientClip = parse.GetValue(clip),
            BatchSize = parse.GetValue(batch), Epochs = parse.GetValue(epochs), Steps = parse.GetValue(steps), Seed = parse.GetValue(seed),
            CheckpointEvery = parse.GetValue(checkpointEvery), HeldOutFraction = parse.GetValue(heldOut), EvalEvery = parse.GetValue(evalEvery),
        };
        try
        {
            return settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static string PerMethod(Func<PreferenceLossSettings, float> value) =>
        string.Join(", ", PreferenceTrainingSettings.Methods.Select(m => $"{m} {value(PreferenceLossSettings.Default(m))}"));
}
