using Fpo.Alignment.Batching;
using Fpo.Alignment.Preferences;
using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Testing;

namespace Fpo.Alignment.Tests.Losses;

/// <summary>The batch, models and SAEs of tests/reference/preference_losses.py.</summary>
internal sealed class PreferenceFixture : IDisposable
{
    // Mirrors preference_losses.py.
    public static readonly int[] PromptLengths = [3, 5, 2], ChosenLengths = [4, 2, 6], RejectedLengths = [5, 3, 1];
    public const int T = 11, Layer = 0, Latents = 96, SaeK = 8, TopK = 6;
    public const float RelFloor = 1e-2f;

    public PreferenceFixture()
    {
        File = GoldenFile.Open("preference_losses.golden.safetensors");
        B = PromptLengths.Length;
        Pairs = MakePairs();
    }

    public SafetensorsFile File { get; }
    public int B { get; }
    public IReadOnlyList<PreferencePair> Pairs { get; }

    public float[] Read(string name) => File.ReadFloat32(name);

    public static TransformerModel LoadModel(string name) =>
        HuggingFaceCheckpoint.Load(Path.GetDirectoryName(RepoPaths.Golden(Path.Combine(name, "config.json")))!).Model;

    /// <summary>The pairs with the script's reference log-probs and, for <paramref name="arch"/>, its pooled reference codes.</summary>
    public PreferenceBatch Batch(string? arch = null)
    {
        var pairs = Pairs;
        if (arch is not null)
        {
            var cref = Read($"ref_cbar.{arch}");
            pairs = [.. pairs.Select((p, i) => p with
            {
                Reference = p.Reference! with
                {
                    ChosenFeatures = SparseFeatures.Top(cref.AsSpan(i * Latents, Latents), Latents),
                    RejectedFeatures = SparseFeatures.Top(cref.AsSpan((B + i) * Latents, Latents), Latents),
                    SaeLayer = Layer,
                },
            })];
        }
        return PreferenceBatch.Create(pairs, maxPositions: 32, padTo: T);
    }

    public SaeWeights Sae(string arch)
    {
        var config = new SaeConfig
        {
            Architecture = arch switch { "relu" => SaeArchitecture.ReLU, "jumprelu" => SaeArchitecture.JumpReLU, _ => SaeArchitecture.TopK },
            InputSize = 64, Latents = Latents, K = arch == "topk" ? SaeK : 0, Layer = Layer,
        };
        var sae = new SaeWeights(config);
        Read($"sae.{arch}.W_enc").CopyTo(sae.EncoderWeight, 0);
        Read($"sae.{arch}.b_enc").CopyTo(sae.EncoderBias, 0);
        Read($"sae.{arch}.W_dec").CopyTo(sae.DecoderWeight, 0);
        Read($"sae.{arch}.b_dec").CopyTo(sae.DecoderBias, 0);
        if (arch == "jumprelu") Read($"sae.{arch}.threshold").CopyTo(sae.Threshold, 0);
        return sae;
    }

    public static void AssertClose(string name, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected) =>
        TensorComparison.AssertClose(name, actual, expected, 1e-4f, RelFloor);

    /// <summary>Every parameter gradient of <paramref name="model"/> against "{prefix}.grad.{hf name}".</summary>
    public void AssertGradients(TransformerModel model, string prefix)
    {
        foreach (var t in HuggingFaceNames.For(model.Config))
            AssertClose($"{prefix}.grad.{t.Name}", t.Export(model.Gradients), Read($"{prefix}.grad.{t.Name}"));
    }

    /// <summary>The largest gradient difference, relative to the tensor's scale, between our gradients and "{prefix}.grad.*".</summary>
    public float MaxGradientDifference(TransformerModel model, string prefix)
    {
        var worst = 0f;
        foreach (var t in HuggingFaceNames.For(model.Config))
        {
            var expected = Read($"{prefix}.grad.{t.Name}");
            var scale = expected.Max(MathF.Abs);
            var (maxAbs, _) = TensorComparison.Errors(t.Export(model.Gradients), expected, 1f);
            worst = MathF.Max(worst, maxAbs / MathF.Max(scale, 1e-30f));
        }
        return worst;
    }

    public void Dispose() => File.Dispose();

    private List<PreferencePair> MakePairs()
    {
        int[] prompts = Ints("prompt_tokens"), chosen = Ints("chosen_tokens"), rejected = Ints("rejected_tokens");
        float[] labels = Read("labels"), refSum = Read("ref_sum"), refMean = Read("ref_mean");
        var pairs = new List<PreferencePair>();
        int p = 0, c = 0, r = 0;
        for (var i = 0; i < B; i++)
        {
            pairs.Add(new PreferencePair
            {
                Id = $"golden-{i}", Prompt = "", Chosen = "", Rejected = "",
                PromptTokens = prompts[p..(p += PromptLengths[i])],
                ChosenTokens = chosen[c..(c += ChosenLengths[i])],
                RejectedTokens = rejected[r..(r += RejectedLengths[i])],
                Label = labels[i],
                Reference = new ReferenceData
                {
                    ChosenLogProbSum = refSum[i], RejectedLogProbSum = refSum[B + i],
                    ChosenLogProbMean = refMean[i], RejectedLogProbMean = refMean[B + i],
                },
            });
        }
        return pairs;
    }

    private int[] Ints(string name) => [.. Read(name).Select(x => (int)x)];
}
