using Fpo.Models.Sampling;

namespace Fpo.Models.Tests.Sampling;

/// <summary>The saveable state and the bounded draws an SAE trainer's activation buffer uses.</summary>
public class SequenceRandomStateTests
{
    [Fact]
    public void AStreamRestoredFromItsStateContinuesExactly()
    {
        var a = new SequenceRandom(42, 3);
        for (var i = 0; i < 10; i++) a.NextDouble();
        var b = new SequenceRandom(7, 0) { State = a.State };
        for (var i = 0; i < 100; i++) Assert.Equal(a.Next(1000), b.Next(1000));
        Assert.Throws<ArgumentException>(() => b.State = [0, 0, 0, 0]);
        Assert.Throws<ArgumentException>(() => b.State = [1, 2, 3]);
    }

    [Fact]
    public void NextIsUniformOverItsRange()
    {
        var random = new SequenceRandom(1, 0);
        var counts = new int[7];
        for (var i = 0; i < 70_000; i++) counts[random.Next(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        Assert.Equal(0, random.Next(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => random.Next(0));
        double sum = 0, squares = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var g = random.NextGaussian();
            sum += g;
            squares += g * g;
        }
        Assert.InRange(sum / 20_000, -0.03, 0.03);
        Assert.InRange(squares / 20_000, 0.96, 1.04);
    }
}
