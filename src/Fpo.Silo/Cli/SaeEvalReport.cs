using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fpo.Sae;
using Fpo.Sae.Evaluation;
using Spectre.Console;

namespace Fpo.Silo.Cli;

/// <summary>What `fpo sae eval` prints: a table with the formulas stated, or one JSON object.</summary>
public static class SaeEvalReport
{
    public const string FvuFormula = "FVU = Σ_t ‖x_t − x̂_t‖² / Σ_t ‖x_t − x̄‖², x̄ = mean activation over the evaluated tokens";
    public const string MseFormula = "MSE = (1/N) Σ_t ‖x_t − x̂_t‖² (summed over d_in, mean over tokens)";
    public const string RecoveredFormula = "CE recovered = (CE_zero − CE_sae) / (CE_zero − CE_clean)";
    private const int BarWidth = 40;

    /// <summary>Where the tokens came from and what was measured, for both outputs.</summary>
    public sealed record Source(string Model, string Sae, SaeConfig Config, string Tokens);

    /// <summary>
    /// One JSON object; field names are stable: model, sae, architecture, layer, d_in, d_sae, token_source, tokens,
    /// windows, context_size, l0, mse, fvu, cosine, ce_clean, ce_sae, ce_zero_ablated, ce_recovered (null when undefined:
    /// CE_zero = CE_clean; fvu likewise when every activation is the same), kl, dead_latents, dead_fraction, dense_latents, dense_fraction, dense_threshold,
    /// density_histogram [{lower_log10, upper_log10, latents}], formulas {mse, fvu, ce_recovered}.
    /// </summary>
    public static string Json(SaeEvaluation e, Source source)
    {
        var histogram = new JsonArray();
        foreach (var bin in e.DensityHistogram)
            histogram.Add(new JsonObject { ["lower_log10"] = bin.LowerLog10, ["upper_log10"] = bin.UpperLog10, ["latents"] = bin.Latents });
        var json = new JsonObject
        {
            ["model"] = source.Model, ["sae"] = source.Sae, ["architecture"] = source.Config.Architecture.ToString(),
            ["layer"] = e.Layer, ["d_in"] = source.Config.InputSize, ["d_sae"] = source.Config.Latents, ["token_source"] = source.Tokens,
            ["tokens"] = e.Tokens, ["windows"] = e.Windows, ["context_size"] = e.ContextSize,
            ["l0"] = e.MeanL0, ["mse"] = e.Mse, ["fvu"] = Number(e.Fvu), ["cosine"] = e.Cosine,
            ["ce_clean"] = e.CeClean, ["ce_sae"] = e.CeSae, ["ce_zero_ablated"] = e.CeZeroAblated,
            ["ce_recovered"] = Number(e.CeRecovered), ["kl"] = e.KlDivergence,
            ["dead_latents"] = e.DeadLatents, ["dead_fraction"] = e.DeadFraction,
            ["dense_latents"] = e.DenseLatents, ["dense_fraction"] = e.DenseFraction, ["dense_threshold"] = e.DenseThreshold,
            ["density_histogram"] = histogram,
            ["formulas"] = new JsonObject { ["mse"] = MseFormula, ["fvu"] = FvuFormula, ["ce_recovered"] = RecoveredFormula },
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    // JSON has no NaN: an undefined ratio (FVU of constant activations, CE recovered when CE_zero = CE_clean) is null.
    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    public static void Table(TextWriter output, SaeEvaluation e, Source source)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 120;
        console.WriteLine($"SAE {source.Sae} ({source.Config.Architecture}, d_in {source.Config.InputSize}, d_sae {source.Config.Latents}) on resid_post[{e.Layer}] of {source.Model}");
        console.WriteLine($"{e.Tokens:N0} tokens in {e.Windows} windows of {e.ContextSize} ({source.Tokens})");
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned()).AddColumn("definition");
        void Row(string name, string value, string definition) => table.AddRow(Markup.Escape(name), Markup.Escape(value), Markup.Escape(definition));
        Row("L0", F(e.MeanL0), "mean active latents per token");
        Row("MSE", F(e.Mse), "squared error summed over d_in, mean over tokens");
        Row("FVU", F(e.Fvu), "fraction of variance unexplained (formula below)");
        Row("cosine", F(e.Cosine), "mean over tokens of x·x̂ / (‖x‖‖x̂‖)");
        Row("CE clean", F(e.CeClean), "next-token loss, every position but a window's last");
        Row("CE with SAE", F(e.CeSae), $"x̂ spliced into resid_post[{e.Layer}]");
        Row("CE zero-ablated", F(e.CeZeroAblated), $"resid_post[{e.Layer}] set to 0");
        Row("CE recovered", double.IsNaN(e.CeRecovered) ? "undefined" : F(e.CeRecovered),
            double.IsNaN(e.CeRecovered) ? "CE_zero = CE_clean: zero ablation costs no loss, so there is nothing to recover" : "formula below");
        Row("KL(clean ‖ SAE)", F(e.KlDivergence), "mean over positions of the next-token distributions");
        Row("dead latents", $"{e.DeadLatents} ({e.DeadFraction:P2})", "never fired on the evaluated tokens");
        Row("dense latents", $"{e.DenseLatents} ({e.DenseFraction:P2})", $"fired on more than {e.DenseThreshold:P0} of the tokens");
        console.Write(table);
        foreach (var formula in new[] { MseFormula, FvuFormula, RecoveredFormula }) console.WriteLine(formula);
        console.WriteLine("log10 feature density (fraction of tokens a latent fires on):");
        var most = Math.Max(1, Math.Max(e.DeadLatents, e.DensityHistogram.Count == 0 ? 0 : e.DensityHistogram.Max(b => b.Latents)));
        console.WriteLine($"  {"dead",-13} {Bar(e.DeadLatents, most)} {e.DeadLatents}");
        foreach (var bin in e.DensityHistogram)
            console.WriteLine($"  [{bin.LowerLog10,5:F1}, {bin.UpperLog10,4:F1}{(bin.UpperLog10 == 0 ? "]" : ")")} {Bar(bin.Latents, most)} {bin.Latents}");
    }

    private static string Bar(int count, int most)
    {
        var width = (int)Math.Round((double)count * BarWidth / most);
        return new string('#', width).PadRight(BarWidth);
    }

    private static string F(double value) => value.ToString("G5", CultureInfo.InvariantCulture);
}
