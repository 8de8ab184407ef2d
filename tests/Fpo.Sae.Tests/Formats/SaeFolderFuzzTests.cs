using Fpo.Models.Checkpoints;
using Fpo.Sae.Formats;
using Fpo.Testing.Fuzzing;

namespace Fpo.Sae.Tests.Formats;

/// <summary>
/// Damages cfg.json (structurally and blindly) and sae_weights.safetensors (blindly) of saved SAEs with a fixed seed,
/// then loads the folder. Every case must either load, or throw InvalidDataException naming cfg.json or
/// SafetensorsFormatException naming the weights file; no other exception, no slow case, and no allocation beyond a
/// bound, so a cfg.json that claims a huge SAE is refused before its weights are allocated.
/// </summary>
public sealed class SaeFolderFuzzTests : IDisposable
{
    private const int Seed = 20261123;
    private const int Cases = 1_500;
    private const long MaxAllocatedBytesPerCase = 16 << 20;

    private static readonly JsonMutator Json = new(
    [
        "standard", "relu", "topk", "batchtopk", "jumprelu", "gated", "none", "expected_average_only_in", "layer_norm",
        "blocks.0.hook_resid_post", "blocks.3.hook_resid_pre", "blocks.0.hook_resid_pre", "blocks.1.hook_mlp_out",
        "architecture", "d_in", "d_sae", "k", "dtype", "meta", "metadata", "hook_name", "model_name", "activation_fn_str",
        "activation_fn_kwargs", "apply_b_dec_to_input", "normalize_activations", "hook_head_index", "float32", "bfloat16",
    ]);

    private readonly ScratchDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task DamagedFoldersLoadOrNameTheFile()
    {
        var bases = new[]
        {
            new SaeConfig { Architecture = SaeArchitecture.JumpReLU, InputSize = 6, Latents = 10, Layer = 2 },
            new SaeConfig { Architecture = SaeArchitecture.TopK, InputSize = 5, Latents = 9, K = 3 },
        }.Select((c, i) =>
        {
            var dir = Path.Combine(_dir.Path, $"base{i}");
            SaeFolder.Save(dir, SaeFolderTests.Random(c, i), i == 0 ? SafetensorsDType.BF16 : SafetensorsDType.F32);
            return (Cfg: File.ReadAllBytes(Path.Combine(dir, SaeFolder.ConfigFile)), Weights: File.ReadAllBytes(Path.Combine(dir, SaeFolder.WeightsFile)));
        }).ToArray();
        var target = _dir.Sub("case");
        Directory.CreateDirectory(target);
        string cfg = Path.Combine(target, SaeFolder.ConfigFile), weights = Path.Combine(target, SaeFolder.WeightsFile);

        await FuzzTally.RunAndReport(Cases, Seed, "loaded", () =>
        {
            var random = new Random(Seed);
            var tally = new FuzzTally();
            for (var i = 0; i < Cases; i++)
            {
                var b = bases[random.Next(bases.Length)];
                string kind;
                byte[] cfgBytes = b.Cfg, weightBytes = b.Weights;
                switch (random.Next(3))
                {
                    case 0:
                        (var text, kind) = Json.Mutate(random, System.Text.Encoding.UTF8.GetString(b.Cfg));
                        cfgBytes = System.Text.Encoding.UTF8.GetBytes(text);
                        kind = "cfg." + kind;
                        break;
                    case 1:
                        (cfgBytes, kind) = ByteMutator.Mutate(random, b.Cfg);
                        kind = "cfg.bytes." + kind;
                        break;
                    default:
                        (weightBytes, kind) = ByteMutator.Mutate(random, b.Weights);
                        kind = "weights." + kind;
                        break;
                }
                File.WriteAllBytes(cfg, cfgBytes);
                File.WriteAllBytes(weights, weightBytes);
                var n = i;
                var e = FuzzCase.Run(() => SaeFolder.Load(target), 2_000, MaxAllocatedBytesPerCase, () => $"case {n} ({kind})");
                if (e is not null)
                    FuzzCase.AssertUserFacing(e, [typeof(InvalidDataException), typeof(SafetensorsFormatException)], [cfg, weights], () => $"case {n} ({kind})");
                tally.Add(kind.Split('.')[0] + "." + kind.Split('.')[^1], e is null);
            }
            return tally;
        });
    }
}
