using System.CommandLine;
using System.Globalization;
using Fpo.Alignment.Chat;
using Fpo.Alignment.Explanations;
using Fpo.Alignment.Judges.Config;

namespace Fpo.Silo.Cli;

/// <summary>`fpo sae explain`: one latent's explanation by an LLM, scored by simulation, stored in the SAE folder.</summary>
public static class SaeExplainCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Hugging Face model folder: config.json, model.safetensors and tokenizer.json.", Required = true };
        var sae = new Option<DirectoryInfo>("--sae") { Description = $"SAELens SAE folder over a residual stream of --model; the result goes to its {ExplanationStore.FileName}.", Required = true };
        var feature = new Option<int>("--feature") { Description = "The latent to explain (0-based index into d_sae).", Required = true };
        var llm = new Option<FileInfo>("--llm")
        {
            Description = "YAML naming the OpenAI-compatible server: base_url, model, api_key_env, timeout_seconds, max_retries, provider " +
                          "(see silo-config/explainer-local.yaml).",
            Required = true,
        };
        var corpus = new Option<FileInfo?>("--corpus") { Description = "UTF-8 text to find the latent's contexts in. Without it, windows are sampled from the model (temperature 1, --seed)." };
        var tokens = new Option<long>("--tokens") { Description = "Tokens scanned for contexts (whole windows of --context).", DefaultValueFactory = _ => 4096 };
        var context = new Option<int?>("--context") { Description = "Tokens per window (default: 64, or the model's positions if fewer)." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the sampled tokens and of the random held-out contexts.", DefaultValueFactory = _ => 0 };

        var command = new Command("explain",
            "Explain one SAE latent with an LLM (neuron-explainer method): its top-activating contexts, with activations scaled to 0–10, " +
            "are shown to the LLM for a one-sentence explanation; the LLM then predicts the activations of held-out contexts from the " +
            "explanation alone, and the score is the Pearson correlation of predicted and true activations.")
        {
            model, sae, feature, llm, corpus, tokens, context, seed,
        };
        command.SetAction(async (parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var llmFile = parse.GetValue(llm)!;
            if (!llmFile.Exists) throw new CliException($"--llm {llmFile.FullName}: no such file");
            ExplainerSettings settings;
            try
            {
                settings = ExplainerConfig.Load(llmFile.FullName);
            }
            catch (JudgeConfigException e)
            {
                throw new CliException(e.Message);
            }
            var saeDir = parse.GetValue(sae)!.FullName;
            var (policy, tokenizer) = ModelFolder.Load(parse.GetValue(model)!.FullName);
            var weights = SaeFolderOption.Load(saeDir, policy.Config);
            var latent = parse.GetValue(feature);
            if ((uint)latent >= (uint)weights.Config.Latents) throw new CliException($"--feature {latent} is not in [0, {weights.Config.Latents}) (the SAE's d_sae)");
            var T = parse.GetValue(context) ?? Math.Min(64, policy.Config.MaxPositions);
            if (T < 1 || T > policy.Config.MaxPositions) throw new CliException($"--context must be in [1, {policy.Config.MaxPositions}] (the model's positions), got {T}");
            var maxTokens = parse.GetValue(tokens);
            if (maxTokens < T) throw new CliException($"--tokens {maxTokens} is less than one window of --context {T}");
            var sampleSeed = parse.GetValue(seed);

            int[] stream;
            if (parse.GetValue(corpus) is { } file)
            {
                stream = SaeEvalTokens.FromCorpus(file.FullName, tokenizer, T);
                stream = stream[..(int)Math.Min(stream.Length, maxTokens)];
            }
            else
            {
                var windows = (int)Math.Min(maxTokens / T, int.MaxValue / T);
                error.WriteLine($"fpo: no --corpus: sampling {windows} windows of {T} tokens from the model (temperature 1, seed {sampleSeed})");
                stream = SaeEvalTokens.Sample(policy, tokenizer, windows, T, sampleSeed, cancel);
            }
            var contexts = FeatureContexts.Collect(policy, weights, latent, stream,
                new FeatureContextSettings { ContextSize = T, Seed = unchecked((int)sampleSeed) });
            error.WriteLine($"fpo: feature {latent}: {contexts.Explain.Count} contexts to explain, {contexts.HeldOut.Count} held out, " +
                            $"max activation {contexts.MaxActivation:G4} over {contexts.TokensScanned:N0} tokens; asking {settings.Server.Model} at {settings.Server.Endpoint}");
            FeatureExplanation result;
            using var client = ChatClients.Create(settings.Server);
            try
            {
                result = await new FeatureExplainer(client, settings.Options).ExplainAsync(contexts, id => tokenizer.Decode([id]), cancel);
            }
            catch (ExplainerException e)
            {
                throw new CliException(e.Message);
            }
            ExplanationStore.Save(saeDir, [result]);
            output.WriteLine($"feature {latent}: {result.Explanation}");
            output.WriteLine(result.Score is { } score
                ? $"score {score.ToString("F3", CultureInfo.InvariantCulture)} (Pearson r over {result.ContextsSimulated - result.SimulationsFailed} of {result.ContextsSimulated} held-out contexts)"
                : $"no score: {result.NoScoreReason}");
            error.WriteLine($"fpo: stored in {Path.Combine(saeDir, ExplanationStore.FileName)}");
            return 0;
        });
        return command;
    }
}
