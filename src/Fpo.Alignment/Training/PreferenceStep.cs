using Fpo.Alignment.Batching;
using Fpo.Alignment.Losses;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Alignment.Training;

/// <summary>
/// One preference-optimisation step of the policy on a batch: Forward, the method's loss, its gradient written into
/// DLogits (and, for FPO, into resid_post[l] through the frozen SAE), Backward. Gradients add into the policy's
/// Gradients, so callers ZeroGrad, Run, then clip and step. What each method needs:
/// DPO the pairs' reference log-prob sums; SimPO nothing; TDPO the live reference model (its whole next-token
/// distribution is needed at every response position); FPO the SAE and the pairs' reference means and features.
/// </summary>
public sealed class PreferenceStep
{
    private readonly TransformerModel _policy;
    private PreferenceLossSettings _settings;
    private readonly TransformerModel? _reference;
    private readonly FeatureDivergence? _features;
    private readonly int _layer;
    private readonly SequenceLogProbs _logProbs = new();
    private readonly SequenceLogProbs _referenceLogProbs = new();
    private readonly TokenKl _kl = new();
    // (2B,T,C) FPO's gradient at resid_post[l]; kept across steps because at GPT-2 size it is megabytes, and a fresh
    // large-object-heap array every step only feeds the garbage collector.
    private float[] _dresid = [];

    public PreferenceStep(TransformerModel policy, PreferenceLossSettings settings, TransformerModel? reference = null, SaeWeights? sae = null)
    {
        _policy = policy;
        _settings = settings;
        if (!(settings.Beta > 0) || !float.IsFinite(settings.Beta)) throw new ArgumentException($"{settings.Method}: beta is {settings.Beta}, must be positive", nameof(settings));
        if (settings is Tdpo1Settings or Tdpo2Settings)
        {
            _reference = reference ?? throw new ArgumentException($"{settings.Method} needs the reference model: it reads the reference's whole next-token distribution", nameof(reference));
            if (ReferenceEquals(reference, policy))
                throw new ArgumentException($"{settings.Method}: the reference must be a separate frozen model, not the policy itself", nameof(reference));
            if (reference.Config.VocabSize != policy.Config.VocabSize)
                throw new ArgumentException($"the reference model has {reference.Config.VocabSize} tokens, the policy {policy.Config.VocabSize}", nameof(reference));
        }
        if (settings is FpoSettings fpo)
        {
            if (sae is null) throw new ArgumentException("fpo needs the SAE (its feature term reads the SAE's codes at one layer)", nameof(sae));
            if (sae.Config.InputSize != policy.Config.Channels)
                throw new ArgumentException($"the SAE reads {sae.Config.InputSize} channels, the policy has {policy.Config.Channels}", nameof(sae));
            if ((uint)sae.Config.Layer >= (uint)policy.Config.Layers)
                throw new ArgumentException($"the SAE reads layer {sae.Config.Layer}, the policy has layers 0..{policy.Config.Layers - 1}", nameof(sae));
            _layer = sae.Config.Layer;
            _features = new FeatureDivergence(sae, fpo.TopK, fpo.PolicyOnlyTopK);
        }
    }

    public PreferenceLossSettings Settings => _settings;

    /// <summary>
    /// Changes the method's hyper-parameters between steps (the KL controller's β and α); the method stays the one this
    /// step was built for, since its models and SAE were checked for it.
    /// </summary>
    public void Retune(PreferenceLossSettings settings)
    {
        if (settings.Method != _settings.Method) throw new ArgumentException($"a {_settings.Method} step cannot be retuned to {settings.Method}", nameof(settings));
        if (!(settings.Beta > 0) || !float.IsFinite(settings.Beta)) throw new ArgumentException($"{settings.Method}: beta is {settings.Beta}, must be positive", nameof(settings));
        _settings = settings;
    }

    /// <summary>Forward, loss and Backward: adds this batch's gradient into the policy's Gradients.</summary>
    public PreferenceMetrics Run(PreferenceBatch batch) => Compute(batch, backward: true);

    /// <summary>Forward and loss only (held-out metrics); the gradients are untouched.</summary>
    public PreferenceMetrics Evaluate(PreferenceBatch batch) => Compute(batch, backward: false);

    private PreferenceMetrics Compute(PreferenceBatch batch, bool backward)
    {
        int B = batch.B, R = batch.Rows, T = batch.T, V = _policy.Config.VocabSize;
        var lengths = batch.ResponseLengths;
        _policy.Forward(batch.Inputs, R, T);
        float[] sum = new float[R], mean = new float[R];  // (2B)
        _logProbs.Forward(sum, mean, _policy.Probs, _policy.Logits, batch.Targets, lengths, R, T, V);
        float[] u = new float[B], rewards = new float[R], divergence = new float[R];  // (B), (2B), (2B)
        var beta = _settings.Beta;
        var weight = 0f;  // of the divergence term in u
        switch (_settings)
        {
            case DpoSettings:
                PreferenceMargins.LogRatioForward(u, rewards, sum, batch.ReferenceSums(), beta, B);
                break;
            case SimPoSettings simpo:
                PreferenceMargins.AverageForward(u, rewards, mean, Filled(B, simpo.Gamma), beta, B);
                break;
            case Tdpo1Settings or Tdpo2Settings:
                var reference = _reference!;
                reference.Forward(batch.Inputs, R, T);
                float[] refSum = new float[R], refMean = new float[R];  // (2B)
                _referenceLogProbs.Forward(refSum, refMean, reference.Probs, reference.Logits, batch.Targets, lengths, R, T, V);
                PreferenceMargins.LogRatioForward(u, rewards, sum, refSum, beta, B);
                _kl.Forward(divergence, _policy.Logits, _logProbs.TokenNll, reference.Logits, _referenceLogProbs.TokenNll, reference.Probs,
                    batch.Targets, R, T, V);
                weight = _settings is Tdpo2Settings tdpo2 ? tdpo2.Alpha * beta : beta;
                PreferenceMargins.DivergenceForward(u, divergence, weight, B);
                break;
            case FpoSettings fpo:
                var refMeans = batch.ReferenceMeans();
                var marginRef = new float[B];  // (B)
                for (var i = 0; i < B; i++) marginRef[i] = beta * (refMeans[i] - refMeans[B + i]);
                PreferenceMargins.AverageForward(u, rewards, mean, marginRef, beta, B);
                _features!.Forward(divergence, _policy.ResidualPost(_layer), batch.ReferenceFeatures(_layer), batch.Targets, lengths, R, T);
                weight = fpo.Alpha * beta;
                PreferenceMargins.DivergenceForward(u, divergence, weight, B);
                break;
            default:
                throw new NotSupportedException($"no loss for {_settings.GetType().Name}");
        }
        var du = new float[B];  // (B)
        var loss = PreferenceObjective.ForwardBackward(du, u, batch.Labels, B);
        if (backward) Backward(batch, du, weight);
        return Metrics(loss, rewards, divergence, B);
    }

    private void Backward(PreferenceBatch batch, float[] du, float weight)
    {
        int B = batch.B, R = batch.Rows, T = batch.T, V = _policy.Config.VocabSize;
        float[] dsum = new float[R], dmean = new float[R], ddivergence = new float[R];  // (2B)
        PreferenceMargins.RewardBackward(_settings is SimPoSettings or FpoSettings ? dmean : dsum, du, _settings.Beta, B);
        _logProbs.Backward(_policy.DLogits, dsum, dmean, _policy.Probs, batch.Targets, batch.ResponseLengths, R, T, V);
        if (_settings is Tdpo1Settings or Tdpo2Settings)
        {
            PreferenceMargins.DivergenceBackward(ddivergence, du, weight, stopChosen: _settings is Tdpo2Settings, B);
            TokenKl.Backward(_policy.DLogits, ddivergence, _policy.Probs, _reference!.Probs, batch.Targets, R, T, V);
        }
        if (_features is not null)
        {
            PreferenceMargins.DivergenceBackward(ddivergence, du, weight, stopChosen: true, B);
            var n = R * T * _policy.Config.Channels;
            if (_dresid.Length != n) _dresid = new float[n];
            else Array.Clear(_dresid);  // the feature backward writes response positions only
            _features.Backward(_dresid, ddivergence, batch.ResponseLengths, R);
            _policy.AddResidualGradient(_layer, _dresid);
        }
        _policy.Backward();
    }

    private PreferenceMetrics Metrics(float loss, float[] rewards, float[] divergence, int B)
    {
        double chosen = 0, rejected = 0, correct = 0, dChosen = 0, dRejected = 0;
        for (var i = 0; i < B; i++)
        {
            chosen += rewards[i];
            rejected += rewards[B + i];
            if (rewards[i] > rewards[B + i]) correct++;
            dChosen += divergence[i];
            dRejected += divergence[B + i];
        }
        bool tdpo = _settings is Tdpo1Settings or Tdpo2Settings, fpo = _settings is FpoSettings;
        return new PreferenceMetrics
        {
            Method = _settings.Method,
            Pairs = B,
            Loss = loss,
            ChosenReward = (float)(chosen / B),
            RejectedReward = (float)(rejected / B),
            Margin = (float)((chosen - rejected) / B),
            Accuracy = (float)(correct / B),
            FeatureDivergenceChosen = fpo ? (float)(dChosen / B) : null,
            FeatureDivergenceRejected = fpo ? (float)(dRejected / B) : null,
            SequenceKlChosen = tdpo ? (float)(dChosen / B) : null,
            SequenceKlRejected = tdpo ? (float)(dRejected / B) : null,
        };
    }

    private static float[] Filled(int n, float value)
    {
        var a = new float[n];
        Array.Fill(a, value);
        return a;
    }
}
