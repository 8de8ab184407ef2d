namespace Fpo.Tensors.Tests;

/// <summary>
/// Sizes large enough that the kernels split work over threads, checked against the same kernel run on
/// one row (or a short slice) at a time, which stays on one thread.
/// </summary>
public class ThreadedKernelTests
{
    private static void Same(string what, float[] actual, float[] expected, double rtol = 1e-6) =>
        KernelCheck.Close(what, actual, KernelCheck.ToDouble(expected), rtol, 1);

    [Fact]
    public void LongElementwiseSpansMatchShortSlices()
    {
        const int n = 100_003, slice = 997;
        var x = KernelCheck.Random(n, 1, 5f);
        var y = KernelCheck.Random(n, 2, 2f);
        var d = KernelCheck.Random(n, 3);
        float[] whole = new float[n], parts = new float[n];
        Gelu.Forward(whole, x);
        for (var i = 0; i < n; i += slice) Gelu.Forward(parts.AsSpan(i, Math.Min(slice, n - i)), x.AsSpan(i, Math.Min(slice, n - i)));
        Same("gelu", whole, parts);

        whole = KernelCheck.Random(n, 4);
        parts = (float[])whole.Clone();
        Gelu.Backward(whole, x, d);
        for (var i = 0; i < n; i += slice)
        {
            var m = Math.Min(slice, n - i);
            Gelu.Backward(parts.AsSpan(i, m), x.AsSpan(i, m), d.AsSpan(i, m));
        }
        Same("dgelu", whole, parts);

        SwiGlu.Forward(whole, x, y);
        for (var i = 0; i < n; i += slice)
        {
            var m = Math.Min(slice, n - i);
            SwiGlu.Forward(parts.AsSpan(i, m), x.AsSpan(i, m), y.AsSpan(i, m));
        }
        Same("swiglu", whole, parts);

        float[] dg = KernelCheck.Random(n, 5), du = KernelCheck.Random(n, 6);
        float[] dg1 = (float[])dg.Clone(), du1 = (float[])du.Clone();
        SwiGlu.Backward(dg, du, d, x, y);
        for (var i = 0; i < n; i += slice)
        {
            var m = Math.Min(slice, n - i);
            SwiGlu.Backward(dg1.AsSpan(i, m), du1.AsSpan(i, m), d.AsSpan(i, m), x.AsSpan(i, m), y.AsSpan(i, m));
        }
        Same("swiglu dgate", dg, dg1);
        Same("swiglu dup", du, du1);
    }

    [Fact]
    public void ManyRowsMatchOneRowAtATime()
    {
        const int N = 96, C = 768;
        var x = KernelCheck.Random(N * C, 1, 2f);
        var w = KernelCheck.Random(C, 2);
        var b = KernelCheck.Random(C, 3);
        var d = KernelCheck.Random(N * C, 4);
        float[] y = new float[N * C], y1 = new float[N * C], mean = new float[N], rstd = new float[N];
        LayerNorm.Forward(y, mean, rstd, x, w, b, N, C, 1e-5f);
        for (var n = 0; n < N; n++)
            LayerNorm.Forward(y1.AsSpan(n * C, C), new float[1], new float[1], x.AsSpan(n * C, C), w, b, 1, C, 1e-5f);
        Same("layernorm", y, y1);

        float[] dx = new float[N * C], dw = new float[C], db = new float[C];
        float[] dx1 = new float[N * C], dw1 = new float[C], db1 = new float[C];
        LayerNorm.Backward(dx, dw, db, d, x, w, mean, rstd, N, C);
        for (var n = 0; n < N; n++)
            LayerNorm.Backward(dx1.AsSpan(n * C, C), dw1, db1, d.AsSpan(n * C, C), x.AsSpan(n * C, C), w, mean.AsSpan(n, 1), rstd.AsSpan(n, 1), 1, C);
        Same("layernorm dinp", dx, dx1);
        Same("layernorm dweight", dw, dw1, 1e-5);
        Same("layernorm dbias", db, db1, 1e-5);

        RmsNorm.Forward(y, rstd, x, w, N, C, 1e-5f);
        for (var n = 0; n < N; n++)
            RmsNorm.Forward(y1.AsSpan(n * C, C), new float[1], x.AsSpan(n * C, C), w, 1, C, 1e-5f);
        Same("rmsnorm", y, y1);
        Array.Clear(dx);
        Array.Clear(dw);
        Array.Clear(dx1);
        Array.Clear(dw1);
        RmsNorm.Backward(dx, dw, d, x, w, rstd, N, C);
        for (var n = 0; n < N; n++)
            RmsNorm.Backward(dx1.AsSpan(n * C, C), dw1, d.AsSpan(n * C, C), x.AsSpan(n * C, C), w, rstd.AsSpan(n, 1), 1, C);
        Same("rmsnorm dinp", dx, dx1);
        Same("rmsnorm dweight", dw, dw1, 1e-5);

        Softmax.Forward(y, x, N, C);
        for (var n = 0; n < N; n++) Softmax.Forward(y1.AsSpan(n * C, C), x.AsSpan(n * C, C), 1, C);
        Same("softmax", y, y1);
        Array.Clear(dx);
        Array.Clear(dx1);
        Softmax.Backward(dx, d, y, N, C);
        for (var n = 0; n < N; n++) Softmax.Backward(dx1.AsSpan(n * C, C), d.AsSpan(n * C, C), y.AsSpan(n * C, C), 1, C);
        Same("softmax dinp", dx, dx1);
    }

    [Fact]
    public void CrossEntropyOverManyRowsMatchesOneRowAtATime()
    {
        const int N = 40, V = 5003;
        var logits = KernelCheck.Random(N * V, 1, 10f);
        var targets = Enumerable.Range(0, N).Select(n => n % 7 == 3 ? -1 : n * 131 % V).ToArray();
        var dl = KernelCheck.Random(N, 2);
        float[] losses = new float[N], probs = new float[N * V], losses1 = new float[N], probs1 = new float[N * V];
        CrossEntropy.Forward(losses, probs, logits, targets, N, V);
        for (var n = 0; n < N; n++)
            CrossEntropy.Forward(losses1.AsSpan(n, 1), probs1.AsSpan(n * V, V), logits.AsSpan(n * V, V), targets.AsSpan(n, 1), 1, V);
        Same("losses", losses, losses1);
        Same("probs", probs, probs1);
        float[] dlogits = new float[N * V], dlogits1 = new float[N * V];
        CrossEntropy.Backward(dlogits, dl, probs, targets, N, V);
        for (var n = 0; n < N; n++)
            CrossEntropy.Backward(dlogits1.AsSpan(n * V, V), dl.AsSpan(n, 1), probs.AsSpan(n * V, V), targets.AsSpan(n, 1), 1, V);
        Same("dlogits", dlogits, dlogits1);
    }
}
