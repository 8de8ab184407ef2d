using Fpo.Tensors;

namespace Fpo.Models.Transformer;

public sealed partial class TransformerModel
{
    /// <summary>Training forward over tokens (B, T): fills <see cref="Logits"/> and keeps what Backward needs.</summary>
    public void Forward(ReadOnlySpan<int> tokens, int B, int T)
    {
        if (B <= 0 || T <= 0) throw new ArgumentException($"B ({B}) and T ({T}) must be positive");
        if (tokens.Length != B * T) throw new ArgumentException($"tokens has {tokens.Length} ids, expected B*T = {B}*{T} = {B * T}", nameof(tokens));
        CheckPositions(T - 1, $"sequence length T = {T}");
        CheckTokens(tokens, nameof(tokens));
        var A = EnsureActivations(B, T);
        tokens.CopyTo(_tokens);
        var a = A.Arena;
        var P = Layout;
        int N = B * T;
        _lastForwardEdited = false;

        Embedding.Forward(A.Encoded.In(a), tokens, _positions, Par(P.Wte), Par(P.Wpe), N, C);
        for (var l = 0; l < L; l++)
        {
            var x = A.Blocks[l];
            ReadOnlySpan<float> residual = l == 0 ? A.Encoded.In(a) : A.Blocks[l - 1].Residual3.In(a);
            AttentionInput(LinearPath.Gemm, a, x, residual, l, _positions, N);
            Attention.Forward(x.Atty.In(a), A.Att[l].In(a), x.Qkv.In(a), B, T, NH, NKV, HS);
            AttentionOutputAndMlp(LinearPath.Gemm, a, x, residual, l, N);
            EditResidual(x.Residual3.In(a), l, N);
        }
        var lnf = A.Lnf.In(a);
        NormForward(lnf, A.LnfMean.In(a), A.LnfRstd.In(a), A.Blocks[L - 1].Residual3.In(a), Par(P.Lnfw), Par(P.Lnfb), N);
        Linear.Forward(A.Logits.In(a), lnf, Par(P.LmHead), [], N, C, V);
        Array.Clear(_hookPending);
        _forwardDone = true;
    }

    /// <summary>
    /// Mean cross-entropy of the last forward's logits over targets (B, T) that are not -1 (ignored), and its
    /// gradient written to <see cref="DLogits"/>. Returns 0 (and zero DLogits) when every target is ignored.
    /// </summary>
    public float CrossEntropyLoss(ReadOnlySpan<int> targets)
    {
        var A = Acts;
        var a = A.Arena;
        int N = A.B * A.T;
        if (targets.Length != N) throw new ArgumentException($"targets has {targets.Length} ids, expected B*T = {N}", nameof(targets));
        var count = 0;
        for (var i = 0; i < N; i++)
        {
            if (targets[i] == -1) continue;
            if ((uint)targets[i] >= (uint)V)
                throw new ArgumentOutOfRangeException(nameof(targets), $"targets[{i}] = {targets[i]} is neither -1 (ignored) nor a token id in [0, {V})");
            count++;
        }
        Span<float> losses = A.Losses.In(a), dlosses = A.DLosses.In(a);
        CrossEntropy.Forward(losses, A.Probs.In(a), A.Logits.In(a), targets, N, V);
        double sum = 0;
        var scale = count == 0 ? 0f : 1f / count;
        for (var i = 0; i < N; i++)
        {
            sum += targets[i] < 0 ? 0 : losses[i];
            dlosses[i] = targets[i] < 0 ? 0 : scale;
        }
        CrossEntropy.Backward(A.DLogits.In(a), dlosses, A.Probs.In(a), targets, N, V);
        return count == 0 ? 0f : (float)(sum / count);
    }

    /// <summary><see cref="Forward"/> then <see cref="CrossEntropyLoss"/>: the mean loss, with DLogits ready for Backward.</summary>
    public float ForwardLoss(ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets, int B, int T)
    {
        Forward(tokens, B, T);
        return CrossEntropyLoss(targets);
    }

    /// <summary>
    /// Backward from <see cref="DLogits"/> through the last forward, plus any gradients added with
    /// <see cref="AddResidualGradient"/>: adds every parameter gradient into <see cref="Gradients"/>.
    /// </summary>
    public void Backward()
    {
        if (!_forwardDone) throw new InvalidOperationException("Backward needs a training Forward first (inference calls do not keep activations)");
        if (_lastForwardEdited)
            throw new InvalidOperationException("the last forward had resid_post edited (SetResidualEdit); its gradients would ignore the edit, so Backward refuses");
        var A = Acts;
        var a = A.Arena;
        var P = Layout;
        int N = A.B * A.T;
        Span<float> dres = A.DResidual.In(a), dln = A.DLn.In(a);

        dln.Clear();
        Linear.Backward(dln, Grad(P.LmHead), [], A.DLogits.In(a), A.Lnf.In(a), Par(P.LmHead), N, C, V);
        dres.Clear();
        NormBackward(dres, Grad(P.Lnfw), Grad(P.Lnfb), dln, A.Blocks[L - 1].Residual3.In(a), Par(P.Lnfw), A.LnfMean.In(a), A.LnfRstd.In(a), N);
        for (var l = L - 1; l >= 0; l--)
        {
            if (_hookPending[l]) System.Numerics.Tensors.TensorPrimitives.Add(dres, A.HookGrad[l].In(a), dres);
            ReadOnlySpan<float> residual = l == 0 ? A.Encoded.In(a) : A.Blocks[l - 1].Residual3.In(a);
            BlockBackward(A, l, residual, dres);
        }
        Embedding.Backward(Grad(P.Wte), Grad(P.Wpe), dres, _tokens, _positions, N, C);
        Array.Clear(_hookPending);
    }

    private ActivationTensors EnsureActivations(int B, int T)
    {
        if (_acts is { } acts && acts.B == B && acts.T == T) return acts;
        _acts = null;
        _acts = new ActivationTensors(Config, B, T);
        _tokens = new int[B * T];
        _positions = new int[B * T];
        for (var i = 0; i < B * T; i++) _positions[i] = i % T;
        return _acts;
    }
}
