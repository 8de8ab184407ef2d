using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Sae.Formats;

namespace Fpo.Silo.Cli;

/// <summary>Loads the SAE folder of a command's --sae option and checks it fits the model it will read.</summary>
public static class SaeFolderOption
{
    public static SaeWeights Load(string saeDir, ModelConfig model, string option = "--sae")
    {
        if (!Directory.Exists(saeDir)) throw new CliException($"{option} {saeDir}: no such folder");
        try
        {
            var sae = SaeFolder.Load(saeDir);
            SaeModelCheck.Check(sae.Config, model, saeDir);
            return sae;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException or SafetensorsFormatException)
        {
            throw new CliException(e.Message);
        }
    }
}
