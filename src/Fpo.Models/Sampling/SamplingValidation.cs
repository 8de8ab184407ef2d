using System.Globalization;

namespace Fpo.Models.Sampling;

/// <summary>Checks a <see cref="SamplingParams"/> field by field; each message names the field, its value and the allowed range.</summary>
internal static class SamplingValidation
{
    public static SamplingParams Check(SamplingParams p, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (vocabSize <= 0) throw new ArgumentException($"vocabulary size must be > 0, got {vocabSize}", nameof(vocabSize));
        if (!float.IsFinite(p.Temperature) || p.Temperature < 0)
            throw Bad(nameof(p.Temperature), p.Temperature, "must be finite and >= 0 (0 is greedy)");
        if (p.TopK < 0)
            throw Bad(nameof(p.TopK), p.TopK, "must be >= 0 (0 disables)");
        if (!(p.TopP > 0 && p.TopP <= 1))
            throw Bad(nameof(p.TopP), p.TopP, "must be in (0, 1] (1 disables)");
        if (!(p.MinP >= 0 && p.MinP < 1))
            throw Bad(nameof(p.MinP), p.MinP, "must be in [0, 1) (0 disables)");
        if (!float.IsFinite(p.RepetitionPenalty) || p.RepetitionPenalty <= 0)
            throw Bad(nameof(p.RepetitionPenalty), p.RepetitionPenalty, "must be finite and > 0 (1 disables)");
        if (!float.IsFinite(p.PresencePenalty))
            throw Bad(nameof(p.PresencePenalty), p.PresencePenalty, "must be finite (0 disables)");
        if (!float.IsFinite(p.FrequencyPenalty))
            throw Bad(nameof(p.FrequencyPenalty), p.FrequencyPenalty, "must be finite (0 disables)");
        if (p.LogitBias is Dictionary<int, float> bias)
            foreach (var (id, value) in bias) CheckBias(id, value, vocabSize);
        else if (p.LogitBias is not null)
            foreach (var (id, value) in p.LogitBias) CheckBias(id, value, vocabSize);
        return p;
    }

    private static void CheckBias(int id, float value, int vocabSize)
    {
        if (id < 0 || id >= vocabSize)
            throw new ArgumentException($"SamplingParams.LogitBias: token id {id} is outside the vocabulary [0, {vocabSize})");
        if (!float.IsFinite(value))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"SamplingParams.LogitBias: the bias of token id {id} is {value}, it must be finite"));
    }

    private static ArgumentException Bad<T>(string field, T value, string rule) =>
        new(string.Create(CultureInfo.InvariantCulture, $"SamplingParams.{field} is {value}: it {rule}"));
}
