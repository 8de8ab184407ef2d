namespace Fpo.Models.Sampling;

internal static class SamplingValidation
{
    public static SamplingParams Check(SamplingParams p, int vocabSize) => throw new NotImplementedException();
}
