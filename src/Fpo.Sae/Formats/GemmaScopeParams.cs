using System.IO.Compression;

namespace Fpo.Sae.Formats;

/// <summary>
/// Gemma Scope's params.npz: W_enc (d_in, d_sae), W_dec (d_sae, d_in), b_enc, b_dec, threshold, as float32 .npy
/// arrays in a zip. Gemma Scope SAEs are JumpReLU SAEs that do not subtract b_dec from the input; the file holds no
/// config, so the caller says which residual-stream layer the SAE reads.
/// </summary>
public static class GemmaScopeParams
{
    public static SaeWeights Load(string npzPath, int layer, string modelName = "")
    {
        Dictionary<string, (long[] Shape, float[] Data)> arrays;
        try
        {
            using var zip = ZipFile.OpenRead(npzPath);
            arrays = [];
            foreach (var name in new[] { "W_enc", "W_dec", "b_enc", "b_dec", "threshold" })
            {
                var entry = zip.GetEntry(name + ".npy") ?? throw new InvalidDataException($"{npzPath}: array '{name}' is missing; Gemma Scope params.npz holds W_enc, W_dec, b_enc, b_dec and threshold");
                using var stream = entry.Open();
                arrays[name] = NpyArray.Read(stream, entry.Length, $"{npzPath}: {name}.npy");
            }
        }
        // The zip reader's own errors (including its InvalidDataException) do not name the file; ours already do.
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or NotSupportedException
                                  && !e.Message.StartsWith(npzPath + ": ", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{npzPath}: not a readable .npz (zip) file: {e.Message}", e);
        }
        var encShape = arrays["W_enc"].Shape;
        if (encShape.Length != 2 || encShape[0] < 1 || encShape[1] < 1)
            throw new InvalidDataException($"{npzPath}: W_enc has shape ({string.Join(", ", encShape)}), expected (d_in, d_sae)");
        int D = (int)encShape[0], F = (int)encShape[1];
        Expect(npzPath, "W_dec", arrays, F, D);
        Expect(npzPath, "b_enc", arrays, F);
        Expect(npzPath, "b_dec", arrays, D);
        Expect(npzPath, "threshold", arrays, F);
        var w = new SaeWeights(new SaeConfig
        {
            Architecture = SaeArchitecture.JumpReLU, InputSize = D, Latents = F, Layer = layer, ModelName = modelName, ApplyDecoderBiasToInput = false,
        });
        var enc = arrays["W_enc"].Data; // (d_in, d_sae)
        for (var d = 0; d < D; d++)
            for (var f = 0; f < F; f++) w.EncoderWeight[(long)f * D + d] = enc[(long)d * F + f];
        arrays["W_dec"].Data.CopyTo(w.DecoderWeight, 0);
        arrays["b_enc"].Data.CopyTo(w.EncoderBias, 0);
        arrays["b_dec"].Data.CopyTo(w.DecoderBias, 0);
        arrays["threshold"].Data.CopyTo(w.Threshold, 0);
        return w;
    }

    private static void Expect(string path, string name, Dictionary<string, (long[] Shape, float[] Data)> arrays, params long[] shape)
    {
        if (!arrays[name].Shape.SequenceEqual(shape))
            throw new InvalidDataException($"{path}: {name} has shape ({string.Join(", ", arrays[name].Shape)}), expected ({string.Join(", ", shape)}) from W_enc");
    }
}
