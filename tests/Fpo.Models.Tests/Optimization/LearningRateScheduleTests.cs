using Fpo.Models.Optimization;

namespace Fpo.Models.Tests.Optimization;

public class LearningRateScheduleTests
{
    [Fact]
    public void WarmupThenCosineToTheMinimum()
    {
        var s = LearningRateSchedule.WarmupCosine(1e-3f, warmupSteps: 10, totalSteps: 110, minLearningRate: 1e-4f);
        Assert.Equal(1e-4f, s.At(0), 1e-9f);
        Assert.Equal(1e-3f, s.At(9), 1e-9f);
        Assert.Equal(1e-3f, s.At(10), 1e-9f);
        Assert.Equal(5.5e-4f, s.At(60), 1e-8f);
        Assert.Equal(1e-4f, s.At(110), 1e-9f);
        Assert.Equal(1e-4f, s.At(500), 1e-9f);
        Assert.True(s.At(30) > s.At(31));
    }

    [Fact]
    public void ConstantAfterWarmup()
    {
        var s = LearningRateSchedule.Constant(3e-4f, warmupSteps: 4);
        Assert.Equal(1.5e-4f, s.At(1), 1e-9f);
        Assert.Equal(3e-4f, s.At(3), 1e-9f);
        Assert.Equal(3e-4f, s.At(1_000_000), 1e-9f);
    }
}
