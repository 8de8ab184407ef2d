using Fpo.Alignment.Losses;
using Fpo.Alignment.Preferences;
using Fpo.Sae;

namespace Fpo.Alignment.Training;

/// <summary>
/// Checks before the first step that every pair has what the method reads, so a run does not fail hours in: tokens in
/// the policy's vocabulary, reference log-probs (DPO, FPO) and reference SAE features of the training SAE — its id and
/// layer, latents within its width (FPO). SimPO and TDPO read no offline reference data.
/// </summary>
public static class PreferenceDataCheck
{
    /// <summary>Throws an ArgumentException naming the first pair that cannot be trained on and what to run.</summary>
    public static void Check(IReadOnlyList<PreferencePair> pairs, PreferenceLossSettings loss, int vocabSize, SaeWeights? sae, string? saeId)
    {
        if (pairs.Count == 0) throw new ArgumentException("there are no preference pairs to train on");
        foreach (var pair in pairs)
        {
            if (!pair.HasTokens) throw new ArgumentException($"pair '{pair.Id}' has no token ids; tokenise the pairs with the policy's tokenizer first");
            foreach (var (field, tokens) in new[] { ("prompt_tokens", pair.PromptTokens!), ("chosen_tokens", pair.ChosenTokens!), ("rejected_tokens", pair.RejectedTokens!) })
                foreach (var t in tokens)
                    if (t >= vocabSize)
                        throw new ArgumentException($"pair '{pair.Id}': {field} has token id {t}, outside the policy's vocabulary of {vocabSize} (were the pairs tokenised for another model?)");
            if (loss is DpoSettings or FpoSettings && pair.Reference is null)
                throw new ArgumentException($"pair '{pair.Id}' has no reference data, which {loss.Method} reads: run ./fpo reference on the pairs first" +
                    (loss is FpoSettings ? " (with --sae)" : ""));
            if (loss is FpoSettings) CheckFeatures(pair, pair.Reference!, sae!, saeId);
        }
    }

    private static void CheckFeatures(PreferencePair pair, ReferenceData r, SaeWeights sae, string? saeId)
    {
        if (!r.HasFeatures)
            throw new ArgumentException($"pair '{pair.Id}' has reference log-probs but no reference SAE features, which fpo reads: run ./fpo reference with --sae first");
        if (r.SaeLayer != sae.Config.Layer)
            throw new ArgumentException($"pair '{pair.Id}': its reference features were read at layer {r.SaeLayer}, the SAE reads layer {sae.Config.Layer}: run ./fpo reference with this SAE");
        if (saeId is not null && r.SaeId is not null && r.SaeId != saeId)
            throw new ArgumentException($"pair '{pair.Id}': its reference features come from SAE '{r.SaeId}', training uses '{saeId}': run ./fpo reference with this SAE");
        foreach (var features in new[] { r.ChosenFeatures!, r.RejectedFeatures! })
            if (features.Count > 0 && features.Latents[^1] >= sae.Config.Latents)
                throw new ArgumentException($"pair '{pair.Id}': reference feature latent {features.Latents[^1]} is outside the SAE's {sae.Config.Latents} latents");
    }
}
