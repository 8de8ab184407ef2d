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
        var json = JsonDocument.Parse(LossBenchReport.Json([Result("fpo", 1.1, 2.4), Result("simpo", 1.0, 2.0), Result("tdpo2", 1.3, 3.2)])).RootElement;
        var targets = json.GetProperty("targets").EnumerateArray().ToDictionary(
            t => $"{t.GetProperty("target").GetString()} {t.GetProperty("engine").GetString()}", t => t);
        Assert.True(targets["FPO step / SimPO step fpo"].GetProperty("met").GetBoolean());       // 1.10 ≤ 1.15
        Assert.False(targets["FPO step / SimPO step pytorch"].GetProperty("met").GetBoolean());  // 1.20
        Assert.False(targets["FPO step / TDPO2 step fpo"].GetProperty("met").GetBoolean());      // 0.846 > 0.8
        Assert.True(targets["FPO step / TDPO2 step pytorch"].GetProperty("met").GetBoolean());   // 0.75
        Assert.Equal(1.1 / 1.3, targets["FPO step / TDPO2 step fpo"].GetProperty("value").GetDouble(), 9);
        Assert.True(targets["FPO reference bytes / TDPO's both"].GetProperty("met").GetBoolean());
        Assert.Equal(JsonValueKind.Null, targets["FPO peak RSS / TDPO2's fpo"].GetProperty("met").ValueKind);
        Assert.Equal(3, json.GetProperty("results").GetArrayLength());
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
