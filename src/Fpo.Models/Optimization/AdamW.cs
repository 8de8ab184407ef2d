using System.Numerics;
using Fpo.Models.Transformer;
using Fpo.Tensors;

namespace Fpo.Models.Optimization;

/// <summary>AdamW hyperparameters other than the learning rate (which the schedule gives per step).</summary>
public sealed record AdamWSettings
{
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.95f;
    public float Eps { get; init; } = 1e-8f;
    public float WeightDecay { get; init; } = 0.1f;
}

/// <summary>A range of the flat parameter array and whether weight decay applies to it.</summary>
public readonly record struct ParameterGroup(int Offset, int Length, bool Decay);

/// <summary>
/// AdamW (Loshchilov and Hutter) over flat parameter and gradient arrays, exactly as torch.optim.AdamW:
/// p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
/// Decay applies per <see cref="ParameterGroup"/>; for a transformer only matrices decay, not biases and norm weights.
/// </summary>
public sealed class AdamW
{
    private const int ChunkSize = 1 << 15;

    public AdamWSettings Settings { get; }
    /// <summary>First moment, same layout as the parameters.</summary>
    public float[] M { get; }
    /// <summary>Second moment, same layout as the parameters.</summary>
    public float[] V { get; }
    /// <summary>Steps taken so far (t of the bias correction); set it when resuming with restored M and V.</summary>
    public int StepCount { get; set; }

    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly ParameterGroup[] _chunks;

    public AdamW(float[] parameters, float[] gradients, IEnumerable<ParameterGroup> groups, AdamWSettings settings)
    {
        if (parameters.Length != gradients.Length)
            throw new ArgumentException($"{parameters.Length} parameters but {gradients.Length} gradients");
        _parameters = parameters;
        _gradients = gradients;
        Settings = settings;
        M = new float[parameters.Length];
        V = new float[parameters.Length];
        var chunks = new List<ParameterGroup>();
        foreach (var g in groups)
        {
            if (g.Offset < 0 || g.Length < 0 || g.Offset + (long)g.Length > parameters.Length)
                throw new ArgumentOutOfRangeException(nameof(groups), $"group [{g.Offset}, {g.Offset + (long)g.Length}) is outside the {parameters.Length} parameters");
            for (var o = 0; o < g.Length; o += ChunkSize)
                chunks.Add(g with { Offset = g.Offset + o, Length = Math.Min(ChunkSize, g.Length - o) });
        }
        _chunks = [.. chunks];
    }

    // The model whose parameters these are, told after each step so it drops weights derived from the old ones.
    private TransformerModel? _model;

    /// <summary>AdamW for every parameter of a transformer; weight decay on matrices only. Each step calls
    /// <see cref="TransformerModel.InvalidateInferenceWeights"/>.</summary>
    public static AdamW For(TransformerModel model, AdamWSettings settings) =>
        new(model.Parameters, model.Gradients,
            model.Layout.All.Select(p => new ParameterGroup(p.View.Offset, p.View.Length, p.Decays)), settings) { _model = model };

    /// <summary>
    /// One update with the current gradients, each multiplied by <paramref name="gradientScale"/> as it is read
    /// (e.g. <see cref="GradientClipping.ClipScale"/>); the gradient array is not modified.
    /// </summary>
    public void Step(float learningRate, float gradientScale = 1f)
    {
        StepCount++;
        var s = Settings;
        var stepSize = learningRate / (1 - MathF.Pow(s.Beta1, StepCount));
        var sqrtBias2 = MathF.Sqrt(1 - MathF.Pow(s.Beta2, StepCount));
        var decayFactor = 1 - learningRate * s.WeightDecay;
        Parallel.For(0, _chunks.Length, new ParallelOptions { MaxDegreeOfParallelism = ComputeThreads.Count }, i =>
        {
            var c = _chunks[i];
            Update(_parameters.AsSpan(c.Offset, c.Length), _gradients.AsSpan(c.Offset, c.Length), M.AsSpan(c.Offset, c.Length),
                V.AsSpan(c.Offset, c.Length), c.Decay ? decayFactor : 1f, stepSize, sqrtBias2, gradientScale, s);
        });
        _model?.InvalidateInferenceWeights();
    }

    private static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float decayFactor, float stepSize, float sqrtBias2, float gradientScale, AdamWSettings s)
    {
        float b1 = s.Beta1, b2 = s.Beta2, eps = s.Eps;
        var i = 0;
        var W = Vector<float>.Count;
        for (; i <= p.Length - W; i += W)
        {
            var gv = new Vector<float>(g[i..]) * gradientScale;
            var mv = b1 * new Vector<float>(m[i..]) + (1 - b1) * gv;
            var vv = b2 * new Vector<float>(v[i..]) + (1 - b2) * gv * gv;
            var denom = Vector.SquareRoot(vv) / sqrtBias2 + new Vector<float>(eps);
            (new Vector<float>(p[i..]) * decayFactor - stepSize * mv / denom).CopyTo(p[i..]);
            mv.CopyTo(m[i..]);
            vv.CopyTo(v[i..]);
        }
        for (; i < p.Length; i++)
        {
            var gi = g[i] * gradientScale;
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            p[i] = p[i] * decayFactor - stepSize * m[i] / (MathF.Sqrt(v[i]) / sqrtBias2 + eps);
        }
    }
}
