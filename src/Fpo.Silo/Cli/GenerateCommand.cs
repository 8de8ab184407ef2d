using System.CommandLine;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Fpo.Models.Generation;
using Fpo.Models.Sampling;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Cli;

/// <summary>`fpo generate`: samples continuations of one prompt or a file of prompts from a Hugging Face model folder.</summary>
public static class GenerateCommand
{
    private static readonly SamplingParams Neutral = new();
    private static readonly JsonSerializerOptions Quoting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Hugging Face model folder: config.json, model.safetensors and tokenizer.json (what ./fpo pretrain writes).", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "The prompt text (special tokens such as <|endoftext|> are recognised)." };
        var promptsFile = new Option<FileInfo?>("--prompts") { Description = "JSON Lines file of prompts, one {\"prompt\": \"...\", \"id\": \"...\"} per line (id optional); all run through one continuously batched engine." };
        var n = new Option<int>("--n") { Description = "Samples per prompt (they share one prefill).", DefaultValueFactory = _ => 1 };
        var temperature = new Option<float>("--temperature") { Description = "Divides the logits; 0 is greedy.", DefaultValueFactory = _ => Neutral.Temperature };
        var topK = new Option<int>("--top-k") { Description = "Keep the k most likely tokens; 0 keeps all.", DefaultValueFactory = _ => Neutral.TopK };
        var topP = new Option<float>("--top-p") { Description = "Nucleus: keep the most likely tokens up to this probability mass; 1 keeps all.", DefaultValueFactory = _ => Neutral.TopP };
        var minP = new Option<float>("--min-p") { Description = "Drop tokens less likely than this fraction of the top token; 0 keeps all.", DefaultValueFactory = _ => Neutral.MinP };
        var repetition = new Option<float>("--repetition-penalty") { Description = "Divide positive (multiply negative) logits of tokens already seen by this; 1 is off.", DefaultValueFactory = _ => Neutral.RepetitionPenalty };
        var presence = new Option<float>("--presence-penalty") { Description = "Subtract from the logit of every token generated so far; 0 is off.", DefaultValueFactory = _ => Neutral.PresencePenalty };
        var frequency = new Option<float>("--frequency-penalty") { Description = "Subtract per occurrence from the logit of tokens generated so far; 0 is off.", DefaultValueFactory = _ => Neutral.FrequencyPenalty };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens per sample.", DefaultValueFactory = _ => 64 };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the sampling; prompt i uses seed + i. Default: a random seed, printed so the run can be repeated." };
        var stop = new Option<string[]>("--stop") { Description = "Stop a sample when its text contains this (repeatable; the stop is cut from the text). In bash, $'\\n' passes a newline." };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most sequences decoded together (KV cache slots).", DefaultValueFactory = _ => 16 };
        var maxSeqLen = new Option<int?>("--max-seq-len") { Description = $"Positions per sequence, prompt plus new tokens (default: the model's, at most {GenerationOptions.DefaultMaxSequenceLength})." };
        var ignoreEos = new Option<bool>("--ignore-eos") { Description = "Keep generating past the end-of-sequence token." };
        var precision = new Option<string>("--precision") { Description = "Weights for inference: fp32, or bf16 (half the memory traffic, logits within bf16 rounding).", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong("fp32", "bf16");
        var sae = new Option<DirectoryInfo?>("--sae") { Description = "SAELens SAE folder (cfg.json, sae_weights.safetensors) whose decoder rows --steer adds." };
        var steer = new Option<string[]>("--steer") { Description = "LATENT:SCALE: add SCALE x the SAE decoder row of LATENT to the residual stream at the SAE's layer (repeatable)." };
        var json = new Option<bool>("--json") { Description = "Print the full results as one JSON document on stdout: per sample the tokens, text, finish reason, stop, and both log-probs per token." };

        var command = new Command("generate", "Sample continuations of a prompt (or a file of prompts) with temperature, top-k, top-p, min-p, penalties and stops; continuous batching over a bounded KV cache.")
        {
            model, prompt, promptsFile, n, temperature, topK, topP, minP, repetition, presence, frequency, maxNew, seed, stop, maxBatch, maxSeqLen, ignoreEos, precision, sae, steer, json,
        };
        command.SetAction(parse =>
        {
            CommonOptions.Apply(parse);
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var texts = ReadPrompts(parse.GetValue(prompt), parse.GetValue(promptsFile));
            var samples = AtLeastOne(parse.GetValue(n), "--n");
            var newTokens = AtLeastOne(parse.GetValue(maxNew), "--max-new-tokens");
            var batch = AtLeastOne(parse.GetValue(maxBatch), "--max-batch");
            var sampling = Sampling(new SamplingParams
            {
                Temperature = parse.GetValue(temperature), TopK = parse.GetValue(topK), TopP = parse.GetValue(topP), MinP = parse.GetValue(minP),
                RepetitionPenalty = parse.GetValue(repetition), PresencePenalty = parse.GetValue(presence), FrequencyPenalty = parse.GetValue(frequency),
            });
            var stops = parse.GetValue(stop) ?? [];
            if (stops.Any(string.IsNullOrEmpty)) throw new CliException("--stop must not be empty");

            var dir = parse.GetValue(model)!.FullName;
            var (policy, tokenizer) = ModelFolder.Load(dir);
            policy.InferencePrecision = parse.GetValue(precision) == "bf16" ? InferencePrecision.BFloat16 : InferencePrecision.Float32;
            var steering = SteeringOption.Apply(policy, parse.GetValue(sae)?.FullName, parse.GetValue(steer) ?? []);
            var engine = CreateEngine(policy, tokenizer, batch, parse.GetValue(maxSeqLen));
            if (steering.Length > 0) error.WriteLine($"fpo: {steering}");
            error.WriteLine($"fpo: {policy.Config.Family} model, {policy.Parameters.Length:N0} parameters; KV cache {engine.MaxBatch} x {engine.MaxSequenceLength} positions = {engine.KvBytes / 1e6:F1} MB");

            var baseSeed = parse.GetValue(seed) ?? (ulong)Random.Shared.NextInt64();
            var prompts = texts.Select(t => (t.Text, Tokens: tokenizer.Encode(t.Text))).ToList();
            var requests = texts.Select((t, i) => new GenerationRequest
            {
                Id = t.Id, PromptTokens = prompts[i].Tokens, N = samples, MaxNewTokens = newTokens, StopStrings = stops,
                Sampling = sampling, Seed = unchecked(baseSeed + (ulong)i), IgnoreEos = parse.GetValue(ignoreEos),
            }).ToList();

            var clock = Stopwatch.StartNew();
            IReadOnlyList<GenerationResult> results;
            try
            {
                results = parse.GetValue(promptsFile) is null
                    ? engine.Generate(requests)
                    : GenerationProgressDisplay.Show(error, requests.Count, progress => engine.Generate(requests, progress));
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.Message);
            }
            var summary = new GenerationSummary(dir, baseSeed, results.Sum(r => r.Samples.Count),
                results.Sum(r => r.Samples.Sum(s => (long)s.Tokens.Count)), clock.Elapsed.TotalSeconds);

            if (parse.GetValue(json)) output.WriteLine(GenerationJson.Write(results, prompts, summary));
            else PrintText(output, results, prompts);
            error.WriteLine($"fpo: {Count(summary.Samples, "sample")} of {Count(results.Count, "prompt")}, " +
                            $"{summary.GeneratedTokens} new tokens in {summary.Seconds:F2} s ({summary.TokensPerSecond:F1} tok/s), seed {baseSeed}");
            foreach (var failed in results.Where(r => !r.Succeeded)) error.WriteLine($"fpo: {failed.Error}");
            return results.All(r => r.Succeeded) ? 0 : 1;
        });
        return command;
    }

    private static List<(string Id, string Text)> ReadPrompts(string? prompt, FileInfo? file)
    {
        if (prompt is not null && file is not null) throw new CliException("give either --prompt or --prompts, not both");
        var prompts = prompt is not null ? [("0", prompt)] : file is not null ? PromptsFile.Read(file.FullName) : throw new CliException("give a prompt: --prompt TEXT or --prompts FILE");
        foreach (var (id, text) in prompts)
            if (text.Length == 0) throw new CliException(prompt is not null ? "--prompt is empty" : $"prompt {id} is empty");
        return prompts;
    }

    private static int AtLeastOne(int value, string option) =>
        value >= 1 ? value : throw new CliException($"{option} must be at least 1 (got {value})");

    // The sampler's own checks, reported with the option names instead of the field names.
    private static SamplingParams Sampling(SamplingParams sampling)
    {
        try
        {
            return sampling.Validate(int.MaxValue);
        }
        catch (ArgumentException e)
        {
            var message = e.Message;
            foreach (var (field, option) in new[]
                     {
                         ("Temperature", "--temperature"), ("TopK", "--top-k"), ("TopP", "--top-p"), ("MinP", "--min-p"),
                         ("RepetitionPenalty", "--repetition-penalty"), ("PresencePenalty", "--presence-penalty"), ("FrequencyPenalty", "--frequency-penalty"),
                     })
                message = message.Replace($"SamplingParams.{field} ", option + " ", StringComparison.Ordinal);
            throw new CliException(message);
        }
    }

    private static GenerationEngine CreateEngine(TransformerModel model, BpeTokenizer tokenizer, int maxBatch, int? maxSeqLen)
    {
        var positions = model.Config.MaxPositions;
        if (maxSeqLen is { } length && (length < 1 || length > positions))
            throw new CliException($"--max-seq-len must be in [1, {positions}] (the model's positions), got {length}");
        return new GenerationEngine(model, tokenizer, new GenerationOptions { MaxBatch = maxBatch, MaxSequenceLength = maxSeqLen });
    }

    private static void PrintText(TextWriter output, IReadOnlyList<GenerationResult> results, IReadOnlyList<(string Text, int[] Tokens)> prompts)
    {
        for (var r = 0; r < results.Count; r++)
        {
            var result = results[r];
            output.WriteLine($"=== prompt {result.RequestId}: {Quote(prompts[r].Text)} ({prompts[r].Tokens.Length} tokens, seed {result.Seed}) ===");
            if (result.Error is { } error) output.WriteLine($"--- failed: {error}");
            foreach (var s in result.Samples)
            {
                var reason = s.StopString is { } text ? $"stop at {Quote(text)}" : s.StopTokenId is { } id ? $"stop at token {id}" : "length";
                output.WriteLine($"--- sample {s.Index} ({reason}, {s.Tokens.Count} tokens) ---");
                output.WriteLine(s.Text);
            }
        }
    }

    private static string Count(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";

    private static string Quote(string text) => JsonSerializer.Serialize(text, Quoting);
}
