using Fpo.Alignment.Batching;
using Fpo.Alignment.Losses;
using Fpo.Alignment.Preferences;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Alignment.Training;

/// <summary>
/// Fills <see cref="PreferencePair.Reference"/> by running the frozen reference model once over the pairs: the summed and
/// mean log-probs of each response and, with an SAE, the pooled codes c̄_ref at its layer, keeping the
/// <see cref="KeepLatents"/> largest (at least 4k, so that I_k is covered with room to spare; the default 200 is 4 × FPO's k = 50).
/// This is what `fpo reference` runs; FPO training never runs the reference model.
/// </summary>
public sealed class ReferenceComputation
{
    public const int DefaultKeepLatents = 200;

    private readonly TransformerModel _reference;
    private readonly FeaturePooling? _pooling;
    private readonly SequenceLogProbs _logProbs = new();

    public ReferenceComputation(TransformerModel reference, SaeWeights? sae = null, string? saeId = null, int keepLatents = DefaultKeepLatents)
    {
        if (keepLatents <= 0) throw new ArgumentOutOfRangeException(nameof(keepLatents), keepLatents, "keep at least one latent per response");
        if (sae is not null)
        {
            if (sae.Config.InputSize != reference.Config.Channels)
                throw new ArgumentException($"the SAE reads {sae.Config.InputSize} channels, the reference model has {reference.Config.Channels}", nameof(sae));
            if ((uint)sae.Config.Layer >= (uint)reference.Config.Layers)
                throw new ArgumentException($"the SAE reads layer {sae.Config.Layer}, the reference model has layers 0..{reference.Config.Layers - 1}", nameof(sae));
            _pooling = new FeaturePooling(sae);
        }
        _reference = reference;
        SaeId = saeId;
        KeepLatents = keepLatents;
    }

    public int KeepLatents { get; }
    public string? SaeId { get; }

    /// <summary>The pairs, in their order, with reference data; batches of <paramref name="batchSize"/> pairs of similar length.
    /// <paramref name="progress"/> gets the number of pairs done after each batch.</summary>
    public List<PreferencePair> Compute(IReadOnlyList<PreferencePair> pairs, int batchSize = 8, IProgress<int>? progress = null)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "the batch size must be positive");
        var maxPositions = _reference.Config.MaxPositions;
        var lengths = pairs.Select(p => PreferenceBatch.CheckedLength(p, maxPositions)).ToArray();
        var order = Enumerable.Range(0, pairs.Count).OrderBy(i => lengths[i]).ToArray();
        var result = new PreferencePair[pairs.Count];
        for (var start = 0; start < order.Length; start += batchSize)
        {
            var members = order[start..Math.Min(order.Length, start + batchSize)];
            var batch = PreferenceBatch.Create([.. members.Select(i => pairs[i])], maxPositions);
            var data = Compute(batch);
            for (var i = 0; i < members.Length; i++) result[members[i]] = pairs[members[i]] with { Reference = data[i] };
            progress?.Report(Math.Min(order.Length, start + batchSize));
        }
        return [.. result];
    }

    /// <summary>The reference data of each pair of one batch.</summary>
    public ReferenceData[] Compute(PreferenceBatch batch)
    {
        int B = batch.B, R = batch.Rows, T = batch.T;
        _reference.Forward(batch.Inputs, R, T);
        float[] sum = new float[R], mean = new float[R];  // (2B)
        _logProbs.Forward(sum, mean, _reference.Probs, _reference.Logits, batch.Targets, batch.ResponseLengths, R, T, _reference.Config.VocabSize);
        var features = new SparseFeatures?[R];
        if (_pooling is not null)
        {
            var F = _pooling.Config.Latents;
            var cbar = new float[R * F];  // (2B,F)
            _pooling.Forward(cbar, _reference.ResidualPost(_pooling.Config.Layer), batch.Targets, batch.ResponseLengths, R, T);
            for (var r = 0; r < R; r++) features[r] = SparseFeatures.Top(cbar.AsSpan(r * F, F), KeepLatents);
        }
        var data = new ReferenceData[B];
        for (var i = 0; i < B; i++)
            data[i] = new ReferenceData
            {
                ChosenLogProbSum = sum[i],
                RejectedLogProbSum = sum[B + i],
                ChosenLogProbMean = mean[i],
                RejectedLogProbMean = mean[B + i],
                ChosenFeatures = features[i],
                RejectedFeatures = features[B + i],
                SaeLayer = _pooling?.Config.Layer,
                SaeId = _pooling is null ? null : SaeId,
            };
        return data;
    }
}
