using System.Globalization;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Cli;

/// <summary>`--sae DIR --steer LATENT:SCALE …`: adds scale × W_dec[latent] at the SAE's hook while generating.</summary>
public static class SteeringOption
{
    /// <summary>Parses "123:8.0" into (latent, scale), with the option's name in every message.</summary>
    public static (int Latent, float Scale) Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var latent)
            || !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var scale))
            throw new CliException($"--steer '{text}': expected LATENT:SCALE, e.g. 123:8.0");
        if (!float.IsFinite(scale)) throw new CliException($"--steer '{text}': the scale must be finite");
        return (latent, scale);
    }

    /// <summary>Loads the SAE, checks it fits the model and each latent exists, and steers the model; returns a one-line summary.</summary>
    public static string Apply(TransformerModel model, string? saeDir, IReadOnlyList<string> steers)
    {
        if (steers.Count == 0)
            return saeDir is null ? "" : throw new CliException("--sae is only used by --steer; give --steer LATENT:SCALE or drop --sae");
        if (saeDir is null) throw new CliException("--steer needs --sae DIR: the SAE whose decoder rows steer");
        var sae = SaeFolderOption.Load(saeDir, model.Config);
        var D = sae.Config.InputSize;
        foreach (var (latent, scale) in steers.Select(Parse))
        {
            if (latent >= sae.Config.Latents) throw new CliException($"--steer {latent}: the SAE has latents 0..{sae.Config.Latents - 1}");
            model.AddSteering(sae.Config.Layer, sae.DecoderWeight.AsSpan(latent * D, D), scale);
        }
        return $"steering resid_post[{sae.Config.Layer}] with {steers.Count} SAE latent{(steers.Count == 1 ? "" : "s")} ({string.Join(", ", steers)})";
    }
}
