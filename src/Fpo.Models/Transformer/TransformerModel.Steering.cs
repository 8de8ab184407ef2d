using System.Numerics.Tensors;

namespace Fpo.Models.Transformer;

public sealed partial class TransformerModel
{
    private float[]? _steering;  // (L, C) added to resid_post[l] of every inference row; null when nothing steers

    /// <summary>True when <see cref="AddSteering"/> has added a vector since the last <see cref="ClearSteering"/>.</summary>
    public bool IsSteered => _steering is not null;

    /// <summary>
    /// Adds scale × vector (C) to resid_post[layer] of every row of every later inference call (Prefill, DecodeStep,
    /// Extend; not the training forward), before the layer's residual is captured: the model and any SAE reading
    /// that hook see the steered stream. Calls accumulate, so several features can steer at once.
    /// </summary>
    public void AddSteering(int layer, ReadOnlySpan<float> vector, float scale)
    {
        CheckLayer(layer);
        if (vector.Length != C) throw new ArgumentException($"a steering vector for this model has {C} values, got {vector.Length}", nameof(vector));
        if (!float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the steering scale must be finite");
        for (var c = 0; c < vector.Length; c++)
            if (!float.IsFinite(vector[c])) throw new ArgumentException($"the steering vector has {vector[c]} at channel {c}", nameof(vector));
        _steering ??= new float[L * C];
        TensorPrimitives.MultiplyAdd(vector, scale, _steering.AsSpan(layer * C, C), _steering.AsSpan(layer * C, C));
    }

    /// <summary>Removes every steering vector.</summary>
    public void ClearSteering() => _steering = null;

    // stream (N, C) += steering[l] on every row
    private void ApplySteering(Span<float> stream, int l, int N)
    {
        if (_steering is null) return;
        var v = _steering.AsSpan(l * C, C);
        for (var n = 0; n < N; n++) TensorPrimitives.Add(stream.Slice(n * C, C), v, stream.Slice(n * C, C));
    }
}
