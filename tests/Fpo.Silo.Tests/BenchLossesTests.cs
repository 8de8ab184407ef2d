using System.Text.Json;
using Fpo.Silo.Bench;
using static Fpo.Silo.Tests.CliTests;

namespace Fpo.Silo.Tests;

/// <summary>`fpo bench losses`: the reference bytes per pair, the targets it checks, and one child measurement of our side.</summary>
public sealed class BenchLossesTests
{
    [Fact]
    public void ReferenceBytesPerPairFollowWhatEachMethodReads()
    {
        var shape = LossBenchShape.Gpt2Small;
        Assert.Equal(0, ReferenceDataSize.BytesPerPair("simpo", shape));
        Assert.Equal(8, ReferenceDataSize.BytesPerPair("dpo", shape));
        Assert.Equal(4 + 2 * 200 * 8, ReferenceDataSize.BytesPerPair("fpo", shape));
        Assert.Equal(2L * 64 * 50257 * 4, ReferenceDataSize.BytesPerPair("tdpo2", shape));
        Assert.True(ReferenceDataSize.BytesPerPair("fpo", shape) < 0.01 * ReferenceDataSize.BytesPerPair("tdpo2", shape));
    }

    [Fact]
    public void TheReportChecksEachTargetOnBothEngines()
    {
        LossBenchResult Result(string method, double ours, double torch) =>
            new("tiny", method, 2, new LossMeasurement(ours, ours, 0.69f, 300 << 20, 40 << 20, null),
                new LossMeasurement(torch, torch, 0.69f, 600 << 20, 200 << 20, null), ReferenceDataSize.BytesPerPair(method, LossBenchShape.Tiny));
        // Interleaved rounds: FPO/SimPO per round 1.0, 1.1, 1.3 → median 1.1; FPO/TDPO2 0.5, 0.9, 0.7 → 0.7.
        var interleaved = new InterleavedSteps("tiny", new Dictionary<string, double[]>
        {
            ["fpo"] = [1.0, 2.2, 1.3], ["simpo"] = [1.0, 2.0, 1.0], ["tdpo2"] = [2.0, 2.2 / 0.9, 1.3 / 0.7],
        });
        var json = JsonDocument.Parse(LossBenchReport.Json([Result("fpo", 1.1, 2.4), Result("simpo", 1.0, 2.0), Result("tdpo2", 1.3, 3.2)], [interleaved])).RootElement;
        var targets = json.GetProperty("targets").EnumerateArray().ToDictionary(
            t => $"{t.GetProperty("target").GetString()} {t.GetProperty("engine").GetString()}", t => t);
        Assert.True(targets["FPO step / SimPO step fpo separate processes"].GetProperty("met").GetBoolean());  // 1.10 ≤ 1.15
        Assert.False(targets["FPO step / SimPO step pytorch"].GetProperty("met").GetBoolean());                // 1.20
        Assert.False(targets["FPO step / TDPO2 step fpo separate processes"].GetProperty("met").GetBoolean()); // 0.846 > 0.8
        Assert.True(targets["FPO step / TDPO2 step pytorch"].GetProperty("met").GetBoolean());                 // 0.75
        Assert.Equal(1.1 / 1.3, targets["FPO step / TDPO2 step fpo separate processes"].GetProperty("value").GetDouble(), 9);
        Assert.Equal(1.1, targets["FPO step / SimPO step fpo interleaved"].GetProperty("value").GetDouble(), 9);
        Assert.Equal(0.7, targets["FPO step / TDPO2 step fpo interleaved"].GetProperty("value").GetDouble(), 9);
        Assert.True(targets["FPO step / TDPO2 step fpo interleaved"].GetProperty("met").GetBoolean());
        Assert.Equal(1.3, json.GetProperty("interleaved")[0].GetProperty("median_step_s").GetProperty("fpo").GetDouble(), 9);
        Assert.True(targets["FPO reference bytes / TDPO's both"].GetProperty("met").GetBoolean());
        Assert.Equal(JsonValueKind.Null, targets["FPO peak RSS / TDPO2's fpo"].GetProperty("met").ValueKind);
        Assert.Equal(3, json.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public void InterleavedRoundsTimeEveryMethodOncePerRound()
    {
        var times = LossBenchmark.Interleaved(LossBenchShape.Tiny, ["fpo", "simpo", "tdpo2"], threads: 1, rounds: 2);
        Assert.Equal(["fpo", "simpo", "tdpo2"], times.Keys.Order());
        Assert.All(times.Values, t => Assert.True(t.Length == 2 && t.All(s => s > 0), string.Join(", ", t)));
    }

    [Fact]
    public void AChildMeasuresOneMethodOfOurSide()
    {
        var (exit, output, error) = Run("bench", "losses", "--child", "fpo", "--shapes", "tiny", "--steps", "1", "--threads", "1");
        Assert.True(exit == 0, error);
        var r = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.True(r.GetProperty("step_seconds_median").GetDouble() > 0);
        Assert.True(r.GetProperty("peak_rss_bytes").GetInt64() >= r.GetProperty("baseline_rss_bytes").GetInt64());
        Assert.InRange(r.GetProperty("loss").GetSingle(), 0.1f, 3f);
        // The SAE is scaled so about 1% of the codes fire, as in a trained SAE.
        Assert.InRange(r.GetProperty("active_latent_fraction").GetDouble(), 0.002, 0.05);
    }
}
