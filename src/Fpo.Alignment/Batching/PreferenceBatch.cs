using Fpo.Alignment.Preferences;

namespace Fpo.Alignment.Batching;

/// <summary>
/// B pairs as 2B rows of prompt + response padded to T: rows 0..B−1 hold the chosen responses, rows B..2B−1 the rejected
/// ones, in pair order. The input is the whole sequence; the target at position t is token t+1 for the positions that
/// predict a response token (P−1 .. P+R−2) and −1 elsewhere, so prompt and padding never count: targets ≥ 0 is the
/// response mask, for the log-probs, TDPO's KL and FPO's pooled SAE features alike.
/// </summary>
public sealed class PreferenceBatch
{
    /// <summary>Id of the padding token: its predictions are masked and its positions come after every real token.</summary>
    public const int PadToken = 0;

    private PreferenceBatch(IReadOnlyList<PreferencePair> pairs, int T)
    {
        Pairs = pairs;
        B = pairs.Count;
        this.T = T;
        Inputs = new int[2 * B * T];
        Targets = new int[2 * B * T];
        PromptLengths = new int[2 * B];
        ResponseLengths = new int[2 * B];
        Labels = new float[B];
    }

    public IReadOnlyList<PreferencePair> Pairs { get; }
    /// <summary>Pairs.</summary>
    public int B { get; }
    /// <summary>Padded sequence length.</summary>
    public int T { get; }
    /// <summary>2B.</summary>
    public int Rows => 2 * B;

    public int[] Inputs { get; }           // (2B, T) prompt + response, then PadToken
    public int[] Targets { get; }          // (2B, T) next token where it is a response token, else −1
    public int[] PromptLengths { get; }    // (2B)
    public int[] ResponseLengths { get; }  // (2B)
    public float[] Labels { get; }         // (B) P(chosen is better)

    /// <summary>
    /// Packs tokenised pairs with T = the longest prompt + response (or <paramref name="padTo"/> when larger); throws when a
    /// pair has no tokens, an empty prompt (the first response token would have no position to be predicted from) or
    /// needs more than <paramref name="maxPositions"/> positions.
    /// </summary>
    public static PreferenceBatch Create(IReadOnlyList<PreferencePair> pairs, int maxPositions, int padTo = 0)
    {
        if (pairs.Count == 0) throw new ArgumentException("a preference batch needs at least one pair", nameof(pairs));
        var T = padTo;
        foreach (var pair in pairs) T = Math.Max(T, CheckedLength(pair, maxPositions));
        if (T > maxPositions) throw new ArgumentException($"padTo = {padTo} is past the model's {maxPositions} positions (MaxPositions)", nameof(padTo));
        var batch = new PreferenceBatch(pairs, T);
        for (var i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i];
            batch.Labels[i] = (float)pair.Label;
            batch.Fill(i, pair.PromptTokens!, pair.ChosenTokens!);
            batch.Fill(batch.B + i, pair.PromptTokens!, pair.RejectedTokens!);
        }
        return batch;
    }

    /// <summary>The positions a pair needs; throws a message naming the pair when it cannot be batched.</summary>
    public static int CheckedLength(PreferencePair pair, int maxPositions)
    {
        var prompt = pair.Tokens(pair.PromptTokens, nameof(pair.PromptTokens));
        var chosen = pair.Tokens(pair.ChosenTokens, nameof(pair.ChosenTokens));
        var rejected = pair.Tokens(pair.RejectedTokens, nameof(pair.RejectedTokens));
        if (prompt.Length == 0) throw new ArgumentException($"pair '{pair.Id}': the prompt has no tokens; the first response token needs one before it (e.g. a BOS token)");
        if (chosen.Length == 0 || rejected.Length == 0) throw new ArgumentException($"pair '{pair.Id}': the {(chosen.Length == 0 ? "chosen" : "rejected")} response has no tokens");
        var length = pair.Length;
        if (length > maxPositions)
            throw new ArgumentException($"pair '{pair.Id}' needs {length} positions (prompt {prompt.Length} + longest response {length - prompt.Length}) but the model has {maxPositions} (MaxPositions)");
        return length;
    }

    /// <summary>(2B) summed reference log-probs (DPO, TDPO's Δ uses the live reference instead).</summary>
    public float[] ReferenceSums() => PerRow(r => r.ChosenLogProbSum, r => r.RejectedLogProbSum);

    /// <summary>(2B) mean reference log-probs (FPO's margin_ref).</summary>
    public float[] ReferenceMeans() => PerRow(r => r.ChosenLogProbMean, r => r.RejectedLogProbMean);

    /// <summary>(2B) pooled reference SAE activations; they must come from the SAE read at <paramref name="layer"/>.</summary>
    public SparseFeatures[] ReferenceFeatures(int layer)
    {
        var features = new SparseFeatures[Rows];
        for (var i = 0; i < B; i++)
        {
            var r = Reference(i);
            if (!r.HasFeatures) throw new InvalidOperationException($"pair '{Pairs[i].Id}' has no reference SAE features: run `fpo reference` with --sae first");
            if (r.SaeLayer != layer) throw new InvalidOperationException($"pair '{Pairs[i].Id}': reference features were read at layer {r.SaeLayer}, the SAE reads layer {layer}");
            features[i] = r.ChosenFeatures!;
            features[B + i] = r.RejectedFeatures!;
        }
        return features;
    }

    private float[] PerRow(Func<ReferenceData, double> chosen, Func<ReferenceData, double> rejected)
    {
        var values = new float[Rows];
        for (var i = 0; i < B; i++)
        {
            var r = Reference(i);
            values[i] = (float)chosen(r);
            values[B + i] = (float)rejected(r);
        }
        return values;
    }

    private ReferenceData Reference(int i) =>
        Pairs[i].Reference ?? throw new InvalidOperationException($"pair '{Pairs[i].Id}' has no reference data: run `fpo reference` on the pairs first");

    private void Fill(int row, int[] prompt, int[] response)
    {
        var inputs = Inputs.AsSpan(row * T, T);
        var targets = Targets.AsSpan(row * T, T);
        inputs.Clear();  // PadToken
        targets.Fill(-1);
        prompt.CopyTo(inputs);
        response.CopyTo(inputs[prompt.Length..]);
        for (var t = prompt.Length - 1; t < prompt.Length + response.Length - 1; t++) targets[t] = inputs[t + 1];
        PromptLengths[row] = prompt.Length;
        ResponseLengths[row] = response.Length;
    }
}
