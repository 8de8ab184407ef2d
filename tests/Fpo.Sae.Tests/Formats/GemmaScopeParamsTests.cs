using Fpo.Models.Checkpoints;
using Fpo.Sae.Formats;
using Fpo.Testing;

namespace Fpo.Sae.Tests.Formats;

/// <summary>A Gemma Scope params.npz written by numpy.savez (tests/reference/sae_format.py) loads as a JumpReLU SAE
/// that does not subtract b_dec; damaged archives are refused naming the file.</summary>
public sealed class GemmaScopeParamsTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void NumpyWrittenParamsLoad()
    {
        ReferencePython.Run("sae_format.py", _dir.Path);
        var npz = Path.Combine(_dir.Path, "sae_format", "gemma_scope_params.npz");
        var w = GemmaScopeParams.Load(npz, layer: 12, "gemma-2-2b");
        Assert.Equal(new SaeConfig
        {
            Architecture = SaeArchitecture.JumpReLU, InputSize = 6, Latents = 9, Layer = 12, ModelName = "gemma-2-2b", ApplyDecoderBiasToInput = false,
        }, w.Config);
        using var expected = SafetensorsFile.Open(Path.Combine(_dir.Path, "sae_format", "gemma_scope_params.expected.safetensors"));
        Assert.Equal(expected.ReadFloat32("enc"), w.EncoderWeight);
        Assert.Equal(expected.ReadFloat32("dec"), w.DecoderWeight);
        Assert.Equal(expected.ReadFloat32("b_enc"), w.EncoderBias);
        Assert.Equal(expected.ReadFloat32("b_dec"), w.DecoderBias);
        Assert.Equal(expected.ReadFloat32("threshold"), w.Threshold);

        var bytes = File.ReadAllBytes(npz);
        var damaged = Path.Combine(_dir.Path, "damaged.npz");
        var random = new Random(4);
        for (var i = 0; i < 200; i++)
        {
            var (mutated, kind) = Fpo.Testing.Fuzzing.ByteMutator.Mutate(random, bytes);
            File.WriteAllBytes(damaged, mutated);
            try
            {
                GemmaScopeParams.Load(damaged, 0);
            }
            catch (InvalidDataException e)
            {
                Assert.True(e.Message.StartsWith(damaged + ": ", StringComparison.Ordinal), $"case {i} ({kind}): {e.Message}");
            }
        }
    }
}
