namespace Fpo.Models.Generation;

/// <summary>
/// The samples of one request, in sample order, and the seed they were drawn with (pass it back as
/// <see cref="GenerationRequest.Seed"/> to repeat them). A request whose logits held a NaN has <paramref name="Error"/>
/// set (naming the request, sample and step) and no samples; the other requests of the call are unaffected.
/// </summary>
public sealed record GenerationResult(string RequestId, ulong Seed, IReadOnlyList<GeneratedSample> Samples, string? Error = null)
{
    public bool Succeeded => Error is null;
}
