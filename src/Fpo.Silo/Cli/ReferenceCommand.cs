using System.CommandLine;
using Fpo.Alignment.Preferences;
using Fpo.Alignment.Training;
using Fpo.Sae;

namespace Fpo.Silo.Cli;

/// <summary>
/// `fpo reference`: runs the frozen reference model once over a preference file and writes it back with each pair's
/// reference data (log-prob sums and means, and with --sae the pooled SAE activations of each response, kept sparse).
/// DPO and FPO training then never run the reference model.
/// </summary>
public static class ReferenceCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "The reference model: a Hugging Face folder with tokenizer.json (usually the SFT policy FPO starts from).", Required = true };
        var sae = new Option<DirectoryInfo?>("--sae") { Description = "SAELens SAE folder on the reference's residual stream; adds the pooled activations FPO's feature term needs." };
        var layer = new Option<int?>("--layer") { Description = "Block whose resid_post the SAE reads; checked against the SAE's own layer (default: the SAE's)." };
        var pairs = new Option<FileInfo>("--pairs") { Description = "Preference JSON Lines in: {\"prompt\",\"chosen\",\"rejected\"} plus optional fields; text-only lines are tokenised with the model's tokenizer.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Preference JSON Lines out: every input pair, in order, with its tokens and reference data.", Required = true };
        var keep = new Option<int>("--keep") { Description = "Largest pooled SAE activations kept per response (FPO reads the top k = 50; keep at least 4k).", DefaultValueFactory = _ => ReferenceComputation.DefaultKeepLatents };
        var batchSize = new Option<int>("--batch-size") { Description = "Pairs per forward pass (of similar length).", DefaultValueFactory = _ => 8 };

        var command = new Command("reference", "Compute the offline reference data of preference pairs: log-probs of each response and, with --sae, its pooled SAE features.")
        {
            model, sae, layer, pairs, output, keep, batchSize,
        };
        command.SetAction(parse =>
        {
            CommonOptions.Apply(parse);
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(keep) < 1) throw new CliException($"--keep must be at least 1 (got {parse.GetValue(keep)})");
            if (parse.GetValue(batchSize) < 1) throw new CliException($"--batch-size must be at least 1 (got {parse.GetValue(batchSize)})");
            var (reference, tokenizer) = ModelFolder.Load(parse.GetValue(model)!.FullName);
            var saeDir = parse.GetValue(sae)?.FullName;
            var weights = saeDir is null ? null : SaeFolderOption.Load(saeDir, reference.Config);
            CheckLayer(weights, parse.GetValue(layer));
            var input = parse.GetValue(pairs)!.FullName;
            var outPath = parse.GetValue(output)!.FullName;

            List<PreferencePair> annotated = [];
            try
            {
                var read = PairTokenization.Tokenize(PreferenceJsonl.Read(input), tokenizer);
                var computation = new ReferenceComputation(reference, weights, saeDir is null ? null : ReferenceData.SaeIdOf(saeDir), parse.GetValue(keep));
                TrainingProgress.ShowFraction($"reference data for {read.Count} pairs",
                    p => annotated = computation.Compute(read, parse.GetValue(batchSize), new Fraction(p, read.Count)));
                PreferenceJsonl.Write(outPath, annotated);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or InvalidOperationException)
            {
                throw new CliException(e.Message);
            }
            error.WriteLine($"fpo: wrote {annotated.Count} pairs with reference data to {outPath}" +
                            (weights is null ? "" : $" (top {parse.GetValue(keep)} SAE latents per response at layer {weights.Config.Layer})"));
            return 0;
        });
        return command;
    }

    private static void CheckLayer(SaeWeights? sae, int? layer)
    {
        if (layer is not { } l) return;
        if (sae is null) throw new CliException("--layer needs --sae (it names the layer the SAE reads)");
        if (l != sae.Config.Layer) throw new CliException($"--layer {l}: the SAE reads resid_post of layer {sae.Config.Layer}");
    }

    // Reports pairs done as a fraction, on the calling thread (Progress<T> would post to the thread pool).
    private sealed class Fraction(IProgress<double> fraction, int total) : IProgress<int>
    {
        public void Report(int value) => fraction.Report(total == 0 ? 1 : (double)value / total);
    }
}
