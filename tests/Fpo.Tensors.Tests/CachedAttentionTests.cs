namespace Fpo.Tensors.Tests;

/// <summary>CachedAttention over a KV cache equals the full causal Attention kernel, row by row.</summary>
public class CachedAttentionTests
{
    [Theory]
    [InlineData(4, 4, 8, 1)]
    [InlineData(4, 2, 16, 7)]
    [InlineData(2, 1, 4, 2100)] // past the 2048 scores kept on the stack
    [InlineData(2, 2, 64, 9)]   // the 16-lane paths: four keys at a time, then the single-key tail
    [InlineData(3, 1, 80, 13)]  // 64 channels at a time, then a 16-channel tail
    public void RowsAttendingToTheirCacheMatchFullCausalAttention(int NH, int NKV, int HS, int T)
    {
        const int B = 2, capacity = 2200;
        int QKV = (NH + 2 * NKV) * HS, C = NH * HS;
        var rng = new Random(T);
        var qkv = Enumerable.Range(0, B * T * QKV).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var expected = new float[B * T * C];
        Attention.Forward(expected, new float[B * NH * T * T], qkv, B, T, NH, NKV, HS);

        // sequence b lives in slot 2-b, to check slots are honoured; the rows arrive in one packed batch
        var slots = Enumerable.Range(0, B * T).Select(n => 2 - n / T).ToArray();
        var positions = Enumerable.Range(0, B * T).Select(n => n % T).ToArray();
        var kcache = new float[3 * NKV * capacity * HS];
        var vcache = new float[kcache.Length];
        CachedAttention.Append(kcache, vcache, qkv, slots, positions, B * T, NH, NKV, HS, capacity);
        var actual = new float[B * T * C];
        CachedAttention.Forward(actual, qkv, kcache, vcache, slots, positions, B * T, NH, NKV, HS, capacity);

        var maxDiff = actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max();
        Assert.True(maxDiff <= 1e-5f, $"max |cached - full| = {maxDiff:E3}");
    }
}
