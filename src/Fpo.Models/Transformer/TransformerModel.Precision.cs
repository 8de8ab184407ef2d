using Fpo.Models.Checkpoints;
using Fpo.Tensors;

namespace Fpo.Models.Transformer;

public sealed partial class TransformerModel
{
    private long _parameterVersion;      // bumped by every write to Parameters after construction
    private ushort[]? _bf16;             // (Layout.Count) Parameters rounded to bfloat16, built lazily
    private long _bf16Version = -1;      // _parameterVersion _bf16 was built from

    /// <summary>
    /// The weight format of <see cref="Prefill"/>, <see cref="DecodeStep"/> and <see cref="Extend"/>. With
    /// <see cref="InferencePrecision.BFloat16"/> a bf16 copy of the parameters is built on the first inference call
    /// and rebuilt on the first call after the parameters change: <see cref="Optimization.AdamW"/> steps made through
    /// <see cref="Optimization.AdamW.For"/> invalidate it themselves; any other write into <see cref="Parameters"/>
    /// must be followed by <see cref="InvalidateInferenceWeights"/>, or inference keeps the old bf16 weights.
    /// </summary>
    public InferencePrecision InferencePrecision { get; set; } = InferencePrecision.Float32;

    /// <summary>Counts the announced writes into <see cref="Parameters"/> (see <see cref="InvalidateInferenceWeights"/>).</summary>
    public long ParameterVersion => _parameterVersion;

    /// <summary>Announces that <see cref="Parameters"/> changed, so inference rebuilds any derived weights (the bf16 copy).</summary>
    public void InvalidateInferenceWeights() => _parameterVersion++;

    // The linear path of an inference call: bf16 weights go through DecodeLinear always (prefill included, so a
    // prompt and its continuation see the same weights); fp32 takes DecodeLinear for decode steps only.
    private LinearPath InferencePath(bool decodeStep)
    {
        if (InferencePrecision == InferencePrecision.BFloat16)
        {
            EnsureBf16Weights();
            return LinearPath.DecodeBFloat16;
        }
        return decodeStep ? LinearPath.DecodeFloat32 : LinearPath.Gemm;
    }

    private void EnsureBf16Weights()
    {
        if (_bf16 is not null && _bf16Version == _parameterVersion) return;
        _bf16 ??= new ushort[Parameters.Length];
        BFloat16.FromSingle(Parameters, _bf16);
        _bf16Version = _parameterVersion;
    }

    // outp (N, OC) = inp (N, IC) @ weight^T + bias on the given path; weight and bias are views into Parameters
    private void Project(LinearPath path, Span<float> outp, ReadOnlySpan<float> inp, TensorView weight, TensorView bias, int N, int IC, int OC)
    {
        switch (path)
        {
            case LinearPath.Gemm:
                Linear.Forward(outp, inp, Par(weight), Par(bias), N, IC, OC);
                break;
            case LinearPath.DecodeFloat32:
                DecodeLinear.Forward(outp, inp, Par(weight), Par(bias), N, IC, OC);
                break;
            default:
                DecodeLinear.ForwardBFloat16(outp, inp, _bf16.AsSpan(weight.Offset, weight.Length), Par(bias), N, IC, OC);
                break;
        }
    }
}
