namespace Fpo.Tensors.Tests;

public class EmbeddingTests
{
    [Fact]
    public void ForwardAddsPositionsAndBackwardAccumulatesRepeatedTokens()
    {
        const int N = 6, C = 5, V = 4, maxT = 3;
        var wte = KernelCheck.Random(V * C, 1);
        var wpe = KernelCheck.Random(maxT * C, 2);
        int[] tokens = [3, 0, 3, 3, 1, 0], positions = [0, 1, 2, 0, 1, 2];
        var outp = new float[N * C];
        Embedding.Forward(outp, tokens, positions, wte, wpe, N, C);
        var noPos = new float[N * C];
        Embedding.Forward(noPos, tokens, positions, wte, [], N, C);
        for (var n = 0; n < N; n++)
            for (var i = 0; i < C; i++)
            {
                Assert.Equal(wte[tokens[n] * C + i] + wpe[positions[n] * C + i], outp[n * C + i]);
                Assert.Equal(wte[tokens[n] * C + i], noPos[n * C + i]);
            }

        var dout = KernelCheck.Random(N * C, 3);
        float[] dwte = KernelCheck.Random(V * C, 4), dwpe = KernelCheck.Random(maxT * C, 5);
        var expWte = KernelCheck.ToDouble(dwte);
        var expWpe = KernelCheck.ToDouble(dwpe);
        for (var n = 0; n < N; n++)
            for (var i = 0; i < C; i++)
            {
                expWte[tokens[n] * C + i] += dout[n * C + i];
                expWpe[positions[n] * C + i] += dout[n * C + i];
            }
        Embedding.Backward(dwte, dwpe, dout, tokens, positions, N, C);
        KernelCheck.Close("dwte", dwte, expWte, 1e-6);
        KernelCheck.Close("dwpe", dwpe, expWpe, 1e-6);
    }

    [Fact]
    public void TokenOutsideVocabularyIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Embedding.Forward(new float[4], [2, 7], [], new float[4 * 2], [], 2, 2));
        Assert.Contains("token id 7 at row 1 is outside the vocabulary [0, 4)", e.Message, StringComparison.Ordinal);
    }
}
