namespace Fpo.Tensors.Tests;

public class CrossEntropyTests
{
    // double-precision log-softmax of one row
    private static double[] LogSoftmax(ReadOnlySpan<float> row)
    {
        var max = double.NegativeInfinity;
        foreach (var v in row) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in row) sum += Math.Exp(v - max);
        var lse = max + Math.Log(sum);
        var r = new double[row.Length];
        for (var j = 0; j < row.Length; j++) r[j] = row[j] - lse;
        return r;
    }

    private static void CheckAgainstReference(float[] logits, int[] targets, int N, int V, string what)
    {
        float[] losses = new float[N], probs = new float[N * V], dlogits = KernelCheck.Random(N * V, 9);
        var dlosses = KernelCheck.Random(N, 11);
        CrossEntropy.Forward(losses, probs, logits, targets, N, V);
        CrossEntropy.Backward(dlogits, dlosses, probs, targets, N, V);
        var expLoss = new double[N];
        var expProbs = new double[N * V];
        var expD = new double[N * V];
        for (var n = 0; n < N; n++)
        {
            var logp = LogSoftmax(logits.AsSpan(n * V, V));
            for (var j = 0; j < V; j++)
            {
                expProbs[n * V + j] = Math.Exp(logp[j]);
                if (targets[n] >= 0) expD[n * V + j] = (Math.Exp(logp[j]) - (j == targets[n] ? 1 : 0)) * dlosses[n];
            }
            if (targets[n] >= 0) expLoss[n] = -logp[targets[n]];
        }
        KernelCheck.Close($"{what} losses", losses, expLoss, 1e-6);
        KernelCheck.Close($"{what} probs", probs, expProbs, 1e-6);
        KernelCheck.Close($"{what} dlogits", dlogits, expD, 1e-6);
    }

    [Fact]
    public void MatchesReferenceAtEveryVocabularySize()
    {
        const int N = 3;
        for (var V = 1; V <= 256; V++)
        {
            var logits = KernelCheck.Random(N * V, V, 6f);
            int[] targets = [V - 1, -1, V / 2];
            CheckAgainstReference(logits, targets, N, V, $"V={V}");
        }
    }

    [Fact]
    public void LargeLogitsDoNotOverflow()
    {
        const int N = 2, V = 300;
        var logits = KernelCheck.Random(N * V, 3, 50f);
        for (var i = 0; i < logits.Length; i++) logits[i] += i % 2 == 0 ? 1e4f : -1e4f;
        CheckAgainstReference(logits, [7, 8], N, V, "large logits");
    }

    [Fact]
    public void NegativeInfinityLogitsGetZeroProbability()
    {
        const int N = 2, V = 71;
        var logits = KernelCheck.Random(N * V, 5, 4f);
        for (var j = 0; j < N * V; j += 2) logits[j] = float.NegativeInfinity;
        int[] targets = [1, 3];
        CheckAgainstReference(logits, targets, N, V, "-inf logits");
        float[] losses = new float[N], probs = new float[N * V];
        CrossEntropy.Forward(losses, probs, logits, [0, 3], N, V);
        Assert.Equal(float.PositiveInfinity, losses[0]);
        Assert.Equal(0f, probs[0]);
    }

    [Fact]
    public void IgnoredRowsHaveZeroLossAndGradient()
    {
        const int N = 4, V = 19;
        var logits = KernelCheck.Random(N * V, 1, 3f);
        float[] losses = new float[N], probs = new float[N * V], dlogits = KernelCheck.Random(N * V, 2);
        int[] targets = [-1, 4, -1, -100];
        CrossEntropy.Forward(losses, probs, logits, targets, N, V);
        CrossEntropy.Backward(dlogits, [1f, 1f, 1f, 1f], probs, targets, N, V);
        Assert.Equal([0f, 0f, 0f], new[] { losses[0], losses[2], losses[3] });
        Assert.True(losses[1] > 0);
        foreach (var n in new[] { 0, 2, 3 })
            Assert.All(dlogits.AsSpan(n * V, V).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void TargetOutsideVocabularyIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            CrossEntropy.Forward(new float[1], new float[5], new float[5], [5], 1, 5));
        Assert.Contains("target 5 at row 0", e.Message, StringComparison.Ordinal);
    }
}
