using Fpo.Sae.Harvesting;

namespace Fpo.Sae.Tests.Harvesting;

public sealed class ActivationBufferTests
{
    [Fact]
    public void EveryRowAddedComesOutExactlyOnceInAShuffledOrder()
    {
        const int D = 3, N = 200;
        var buffer = new ActivationBuffer(N, D, seed: 7);
        var rows = new float[N * D];  // (N, D) row r holds r in every column
        for (var r = 0; r < N; r++) rows.AsSpan(r * D, D).Fill(r);
        buffer.Add(rows);
        var seen = new List<int>();
        var batch = new float[25 * D];
        while (buffer.Count > 0)
        {
            buffer.Take(batch, 25);
            for (var b = 0; b < 25; b++)
            {
                Assert.Equal(batch[b * D], batch[b * D + D - 1]);  // rows move whole
                seen.Add((int)batch[b * D]);
            }
        }
        Assert.Equal(Enumerable.Range(0, N), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, N), seen);
    }

    [Fact]
    public void RefusesOverflowPartialRowsAndOversizedTakes()
    {
        var buffer = new ActivationBuffer(4, 2, seed: 1);
        Assert.Contains("not whole rows", Assert.Throws<ArgumentException>(() => buffer.Add(new float[3])).Message);
        buffer.Add(new float[6]);
        Assert.Contains("room for 1", Assert.Throws<InvalidOperationException>(() => buffer.Add(new float[4])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Take(new float[8], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationBuffer(0, 2, 1));
    }
}
