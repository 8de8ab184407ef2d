using System.Text.Json.Nodes;
using Fpo.Models.Checkpoints;
using Fpo.Sae.Formats;
using Fpo.Testing;

namespace Fpo.Sae.Tests.Formats;

/// <summary>Each kind of bad cfg.json or weights file is refused with a message naming the file, the field or tensor, and the problem.</summary>
public sealed class SaeFolderErrorTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();

    public SaeFolderErrorTests()
    {
        var w = SaeFolderTests.Random(new SaeConfig { Architecture = SaeArchitecture.JumpReLU, InputSize = 4, Latents = 6, Layer = 1 }, 5);
        SaeFolder.Save(_dir.Path, w);
        _savedWeights = File.ReadAllBytes(Weights);
        _savedConfig = File.ReadAllText(Cfg);
    }

    private readonly string _savedConfig;

    private readonly byte[] _savedWeights;

    public void Dispose() => _dir.Dispose();

    private string Cfg => Path.Combine(_dir.Path, SaeFolder.ConfigFile);

    private string Weights => Path.Combine(_dir.Path, SaeFolder.WeightsFile);

    private string LoadError(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(_savedConfig)!.AsObject();
        edit(json);
        File.WriteAllText(Cfg, json.ToJsonString());
        return Assert.Throws<InvalidDataException>(() => SaeFolder.Load(_dir.Path)).Message;
    }

    [Fact]
    public void ConfigProblemsNameTheField()
    {
        Assert.Equal($"{Cfg}: field 'd_in' is missing", LoadError(j => j.Remove("d_in")));
        Assert.Equal($"{Cfg}: field 'd_sae' is \"6\", expected an integer", LoadError(j => j["d_sae"] = "6"));
        Assert.Equal($"{Cfg}: field 'd_sae' is 0, must be positive", LoadError(j => j["d_sae"] = 0));
        Assert.Equal($"{Cfg}: field 'architecture' is 'gated'; supported: standard, relu, topk, batchtopk, jumprelu", LoadError(j => j["architecture"] = "gated"));
        Assert.Equal($"{Cfg}: field 'k' is missing (looked at the top level and in activation_fn_kwargs)", LoadError(j => j["architecture"] = "topk"));
        Assert.Equal($"{Cfg}: field 'k' is 7; TopK needs k in [1, d_sae = 6]", LoadError(j => { j["architecture"] = "topk"; j["k"] = 7; }));
        Assert.StartsWith($"{Cfg}: field 'normalize_activations' is 'expected_average_only_in': fold the norm scaling factor",
            LoadError(j => j["normalize_activations"] = "expected_average_only_in"), StringComparison.Ordinal);
        Assert.StartsWith($"{Cfg}: field 'normalize_activations' is 'layer_norm': per-token input normalisation cannot be folded",
            LoadError(j => j["normalize_activations"] = "layer_norm"), StringComparison.Ordinal);
        Assert.Equal($"{Cfg}: field 'meta.hook_name' is 'blocks.1.hook_mlp_out'; supported: blocks.L.hook_resid_post and blocks.L.hook_resid_pre (L ≥ 1)",
            LoadError(j => j["meta"]!["hook_name"] = "blocks.1.hook_mlp_out"));
        Assert.Equal($"{Cfg}: field 'meta.hook_head_index' is set: SAEs on one attention head are not supported",
            LoadError(j => j["meta"]!["hook_head_index"] = 3));
    }

    [Fact]
    public void BrokenJsonAndMissingFilesNameTheFile()
    {
        File.WriteAllText(Cfg, "{\"d_in\": 4,");
        Assert.StartsWith($"{Cfg}: not valid JSON", Assert.Throws<InvalidDataException>(() => SaeFolder.Load(_dir.Path)).Message, StringComparison.Ordinal);
        File.WriteAllText(Cfg, "[1]");
        Assert.Equal($"{Cfg}: the top level is Array, expected a JSON object", Assert.Throws<InvalidDataException>(() => SaeFolder.Load(_dir.Path)).Message);
        File.Delete(Cfg);
        Assert.StartsWith($"{Cfg}: file is missing", Assert.Throws<InvalidDataException>(() => SaeFolder.Load(_dir.Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WeightProblemsNameTheTensor()
    {
        Rewrite(t => t.Remove("threshold"));
        Assert.Equal($"{Weights}: tensor 'threshold' is not in the file, and cfg.json says JumpReLU, which needs one threshold per latent", WeightsError());
        Rewrite(t => t["W_dec"] = (new long[] { 6, 5 }, new float[30]));
        Assert.Equal($"{Weights}: tensor 'W_dec' has shape [6, 5], expected [6, 4] (or its transpose) from cfg.json", WeightsError());
        Rewrite(t => t["b_enc"] = (new long[] { 5 }, new float[5]));
        Assert.Equal($"{Weights}: tensor 'b_enc' has shape [5], expected [6]", WeightsError());
        Rewrite(t => t.Remove("W_enc"));
        Assert.StartsWith($"{Weights}: tensor 'W_enc' is not in the file", WeightsError(), StringComparison.Ordinal);
        Rewrite(t => t["b_dec"] = (new long[] { 4 }, new[] { 0f, float.NaN, 0, 0 }));
        Assert.Equal($"{Weights}: tensor 'b_dec' has the non-finite value NaN at element 1", WeightsError());
        File.Delete(Weights);
        Assert.StartsWith($"{Weights}: file is missing", Assert.Throws<InvalidDataException>(() => SaeFolder.Load(_dir.Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHugeClaimIsRefusedByTheWeightsBeforeAllocating()
    {
        var json = JsonNode.Parse(_savedConfig)!.AsObject();
        json["d_in"] = 60_000;
        json["d_sae"] = 30_000;
        File.WriteAllText(Cfg, json.ToJsonString());
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal($"{Weights}: tensor 'W_enc' has shape [4, 6], expected [60000, 30000] (or its transpose) from cfg.json", WeightsError());
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 1 << 20);
    }

    [Fact]
    public void BatchTopKAndJumpReluThresholdVariantsLoad()
    {
        var w = SaeFolder.Load(_dir.Path);
        var json = JsonNode.Parse(_savedConfig)!.AsObject();
        json["architecture"] = "batchtopk";
        json["k"] = 2.0;
        File.WriteAllText(Cfg, json.ToJsonString());
        var batch = SaeFolder.Load(_dir.Path);
        Assert.Equal((SaeArchitecture.BatchTopK, 2), (batch.Config.Architecture, batch.Config.K));
        Assert.Equal(w.Threshold, batch.Threshold);

        Rewrite(t =>
        {
            t.Remove("threshold");
            t["topk_threshold"] = ([], [0.25f]);
        });
        Assert.All(SaeFolder.Load(_dir.Path).Threshold, x => Assert.Equal(0.25f, x));

        File.WriteAllText(Cfg, _savedConfig);
        Rewrite(t =>
        {
            var (shape, data) = t["threshold"];
            t.Remove("threshold");
            t["log_threshold"] = (shape, [.. data.Select(x => MathF.Log(MathF.Abs(x)))]);
        });
        TensorComparison.AssertClose("threshold from log_threshold", SaeFolder.Load(_dir.Path).Threshold, [.. w.Threshold.Select(MathF.Abs)], rtol: 1e-6f);
    }

    [Fact]
    public void TransposedEncoderIsAcceptedWhenUnambiguous()
    {
        var w = SaeFolder.Load(_dir.Path);
        Rewrite(t =>
        {
            var (shape, data) = t["W_enc"];
            var swapped = new float[data.Length];
            for (var d = 0; d < shape[0]; d++)
                for (var f = 0; f < shape[1]; f++) swapped[f * shape[0] + d] = data[d * shape[1] + f];
            t["W_enc"] = ([shape[1], shape[0]], swapped);
        });
        Assert.Equal(w.EncoderWeight, SaeFolder.Load(_dir.Path).EncoderWeight);
    }

    private string WeightsError() => Assert.Throws<SafetensorsFormatException>(() => SaeFolder.Load(_dir.Path)).Message;

    private void Rewrite(Action<Dictionary<string, (long[] Shape, float[] Data)>> edit)
    {
        File.WriteAllBytes(Weights, _savedWeights);
        Dictionary<string, (long[], float[])> tensors;
        using (var file = SafetensorsFile.Open(Weights))
            tensors = file.Tensors.Values.ToDictionary(i => i.Name, i => (i.Shape.ToArray(), file.ReadFloat32(i.Name)));
        edit(tensors);
        SafetensorsWriter.Write(Weights, tensors.Select(t => SafetensorsTensor.F32(t.Key, t.Value.Item1, t.Value.Item2)));
    }
}
