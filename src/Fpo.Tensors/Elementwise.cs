using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>An element-wise operation out = f(a) at each vector width the driver uses.</summary>
internal interface IUnaryOperator
{
    static abstract float Invoke(float a);
    static abstract Vector256<float> Invoke(Vector256<float> a);
    static abstract Vector512<float> Invoke(Vector512<float> a);
}

/// <summary>An element-wise operation out = f(a, b).</summary>
internal interface IBinaryOperator
{
    static abstract float Invoke(float a, float b);
    static abstract Vector256<float> Invoke(Vector256<float> a, Vector256<float> b);
    static abstract Vector512<float> Invoke(Vector512<float> a, Vector512<float> b);
}

/// <summary>An element-wise operation out = f(a, b, c); out may be c itself (accumulating gradients).</summary>
internal interface ITernaryOperator
{
    static abstract float Invoke(float a, float b, float c);
    static abstract Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> c);
    static abstract Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> c);
}

/// <summary>
/// The loop driver of the element-wise kernels: Vector512 when the CPU has it, else Vector256, then a scalar
/// tail; long spans are split over <see cref="ComputeThreads"/> in chunks that keep whole cache lines per thread.
/// </summary>
internal static unsafe class Elementwise
{
    private const int MinChunk = 16384;

    public static void Map<TOp>(ReadOnlySpan<float> a, Span<float> outp) where TOp : IUnaryOperator
    {
        fixed (float* pa = a, po = outp)
        {
            if (a.Length < 2 * MinChunk) Unary<TOp>(pa, po, a.Length);
            else SplitUnary<TOp>(pa, po, a.Length);
        }
    }

    // The parallel paths live in their own methods so that the short calls above never allocate their closures.
    private static void SplitUnary<TOp>(float* a0, float* o0, int n) where TOp : IUnaryOperator =>
        Split(n, (i0, i1) => Unary<TOp>(a0 + i0, o0 + i0, i1 - i0));

    private static void SplitBinary<TOp>(float* a0, float* b0, float* o0, int n) where TOp : IBinaryOperator =>
        Split(n, (i0, i1) => Binary<TOp>(a0 + i0, b0 + i0, o0 + i0, i1 - i0));

    private static void SplitTernary<TOp>(float* a0, float* b0, float* c0, float* o0, int n) where TOp : ITernaryOperator =>
        Split(n, (i0, i1) => Ternary<TOp>(a0 + i0, b0 + i0, c0 + i0, o0 + i0, i1 - i0));

    public static void Map<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> outp) where TOp : IBinaryOperator
    {
        fixed (float* pa = a, pb = b, po = outp)
        {
            if (a.Length < 2 * MinChunk) Binary<TOp>(pa, pb, po, a.Length);
            else SplitBinary<TOp>(pa, pb, po, a.Length);
        }
    }

    public static void Map<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> outp) where TOp : ITernaryOperator
    {
        fixed (float* pa = a, pb = b, pc = c, po = outp)
        {
            if (a.Length < 2 * MinChunk) Ternary<TOp>(pa, pb, pc, po, a.Length);
            else SplitTernary<TOp>(pa, pb, pc, po, a.Length);
        }
    }

    /// <summary>Splits [0, n) into ranges on 16-float boundaries, in parallel once n is large enough to pay for it.</summary>
    public static void Split(int n, Action<int, int> body)
    {
        var chunks = (n + 15) / 16;
        if (n < 2 * MinChunk)
        {
            body(0, n);
            return;
        }
        ComputeThreads.For(chunks, (c0, c1) => body(c0 * 16, Math.Min(c1 * 16, n)), MinChunk / 16);
    }

    private static void Unary<TOp>(float* a, float* o, int n) where TOp : IUnaryOperator
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16) Vector512.Store(TOp.Invoke(Vector512.Load(a + i)), o + i);
        else if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Vector256.Store(TOp.Invoke(Vector256.Load(a + i)), o + i);
        for (; i < n; i++) o[i] = TOp.Invoke(a[i]);
    }

    private static void Binary<TOp>(float* a, float* b, float* o, int n) where TOp : IBinaryOperator
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16) Vector512.Store(TOp.Invoke(Vector512.Load(a + i), Vector512.Load(b + i)), o + i);
        else if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Vector256.Store(TOp.Invoke(Vector256.Load(a + i), Vector256.Load(b + i)), o + i);
        for (; i < n; i++) o[i] = TOp.Invoke(a[i], b[i]);
    }

    private static void Ternary<TOp>(float* a, float* b, float* c, float* o, int n) where TOp : ITernaryOperator
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16)
                Vector512.Store(TOp.Invoke(Vector512.Load(a + i), Vector512.Load(b + i), Vector512.Load(c + i)), o + i);
        else if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8)
                Vector256.Store(TOp.Invoke(Vector256.Load(a + i), Vector256.Load(b + i), Vector256.Load(c + i)), o + i);
        for (; i < n; i++) o[i] = TOp.Invoke(a[i], b[i], c[i]);
    }
}
