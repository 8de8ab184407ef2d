using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Transformer;

/// <summary>Runs alone: a kernel that finds the worker team busy with another test's call falls back to Parallel.For,
/// which allocates.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DecodeAllocationCollection
{
    public const string Name = "DecodeAllocation";
}

[Collection(DecodeAllocationCollection.Name)]
public class DecodeAllocationTests
{
    [Theory]
    [InlineData(InferencePrecision.Float32)]
    [InlineData(InferencePrecision.BFloat16)]
    public void SteadyStateDecodeStepAllocatesNothing(InferencePrecision precision)
    {
        var model = new TransformerModel(DecodeBatchIndependenceTests.Config(ModelConfig.Llama), seed: 7) { InferencePrecision = precision };
        var cache = model.CreateCache(4, 64);
        model.Prefill(cache, [[1, 2, 3], [4], [5, 6], [7, 8, 9, 10]]);
        int[] slots = [0, 1, 2, 3], tokens = [11, 12, 13, 14];
        for (var i = 0; i < 5; i++) model.DecodeStep(cache, slots, tokens);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++) model.DecodeStep(cache, slots, tokens);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"10 decode steps allocated {allocated} bytes on the calling thread");
    }
}
