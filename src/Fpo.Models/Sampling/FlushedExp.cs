using System.Runtime.Intrinsics;

namespace Fpo.Models.Sampling;

/// <summary>
/// outp[i] = exp((inp[i] - shift) / T) where inp[i] &gt;= floor, else 0 (top-k's cut, folded in), flushed to 0 where
/// the exponent is below -87 (1.6e-38, still a normal float); -inf gives 0. Logits spread over more than 87/T produce denormal floats otherwise, and every arithmetic
/// operation on a denormal takes a microcode assist of about a hundred cycles on x86: that made a sampling call
/// several times slower. A token of relative weight below 1.6e-38 is, for sampling, a masked one.
/// </summary>
internal static class FlushedExp
{
    private const float MinExponent = -87f;

    // outp (n), inp (n) (may be outp); T > 0. Returns the sum of outp in double.
    public static double Run(Span<float> outp, ReadOnlySpan<float> inp, float shift, float T, float floor)
    {
        var n = inp.Length;
        var i = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s = Vector512.Create(shift), t = Vector512.Create(T), min = Vector512.Create(MinExponent);
            var f = Vector512.Create(floor);
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                var x = Vector512.Create(inp.Slice(i, 16));
                var z = (x - s) / t;
                var keep = Vector512.GreaterThanOrEqual(z, min) & Vector512.GreaterThanOrEqual(x, f);
                var e = Vector512.ConditionalSelect(keep, Vector512.Exp(Vector512.Max(z, min)), Vector512<float>.Zero);
                e.CopyTo(outp.Slice(i, 16));
                acc += e;
            }
            sum = Vector512.Sum(acc);
        }
        for (; i < n; i++)
        {
            var z = (inp[i] - shift) / T;
            sum += outp[i] = z >= MinExponent && inp[i] >= floor ? MathF.Exp(z) : 0f;
        }
        return sum;
    }
}
