using Fpo.Models.Transformer;

namespace Fpo.Sae.Formats;

/// <summary>Checks that an SAE can read a model's residual stream before any activation is computed.</summary>
public static class SaeModelCheck
{
    /// <summary>Throws ArgumentException naming <paramref name="saeSource"/> (e.g. the SAE folder) and the mismatch.</summary>
    public static void Check(SaeConfig sae, ModelConfig model, string saeSource)
    {
        if (sae.InputSize != model.Channels)
            throw new ArgumentException(
                $"{saeSource}: SAE d_in is {sae.InputSize} but the model's residual stream has {model.Channels} channels; the SAE was made for a different model");
        if (sae.Layer >= model.Layers)
            throw new ArgumentException(
                $"{saeSource}: SAE reads {SaeLensConfig.HookName(sae.Layer)} but the model has {model.Layers} layers (blocks.0 to blocks.{model.Layers - 1})");
    }
}
