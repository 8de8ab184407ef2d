using Fpo.Models.Checkpoints;

namespace Fpo.Sae.Formats;

/// <summary>
/// A SAELens folder: cfg.json (see <see cref="SaeLensConfig"/>) and sae_weights.safetensors with W_enc [d_in, d_sae],
/// b_enc [d_sae], W_dec [d_sae, d_in], b_dec [d_in] and, for JumpReLU, threshold [d_sae]. F16/BF16/F64 weights are
/// converted to fp32 on load. Matrix orientation is detected from the shapes: a transposed matrix is accepted when
/// d_in ≠ d_sae; when they are equal the documented orientation is trusted.
/// </summary>
public static class SaeFolder
{
    public const string ConfigFile = "cfg.json";
    public const string WeightsFile = "sae_weights.safetensors";

    public static SaeWeights Load(string directory)
    {
        var config = SaeLensConfig.Read(Path.Combine(directory, ConfigFile));
        var path = Path.Combine(directory, WeightsFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: file is missing; {ConfigFile} is there but the weights are not");
        using var file = SafetensorsFile.Open(path);
        long D = config.InputSize, F = config.Latents;
        // Shapes first: a cfg.json that claims a huge SAE is refused by the file before its weights are allocated.
        var encoderDocumented = Orientation(file, "W_enc", D, F);
        var decoderDocumented = Orientation(file, "W_dec", F, D);
        file.ExpectShape("b_enc", F);
        file.ExpectShape("b_dec", D);
        var w = new SaeWeights(config);
        ReadMatrix(file, "W_enc", D, F, encoderDocumented, transposeDocumented: true, w.EncoderWeight);
        ReadMatrix(file, "W_dec", F, D, decoderDocumented, transposeDocumented: false, w.DecoderWeight);
        ReadVector(file, "b_enc", F, w.EncoderBias);
        ReadVector(file, "b_dec", D, w.DecoderBias);
        if (w.Threshold.Length > 0) ReadThreshold(file, config, w.Threshold);
        return w;
    }

    /// <summary>
    /// Writes cfg.json (v6 nested form) and sae_weights.safetensors in <paramref name="dtype"/> (F32, F16 or BF16).
    /// BatchTopK is saved as JumpReLU: its Threshold must hold the one global threshold in every entry.
    /// </summary>
    public static void Save(string directory, SaeWeights weights, SafetensorsDType dtype = SafetensorsDType.F32)
    {
        var c = weights.Config;
        var dtypeName = dtype switch
        {
            SafetensorsDType.F32 => "float32",
            SafetensorsDType.F16 => "float16",
            SafetensorsDType.BF16 => "bfloat16",
            _ => throw new ArgumentException($"SAE weights are saved as F32, F16 or BF16, not {dtype}", nameof(dtype)),
        };
        long D = c.InputSize, F = c.Latents;
        var encoder = new float[weights.EncoderWeight.Length]; // (d_in, d_sae) as SAELens stores it
        Transpose(encoder, weights.EncoderWeight, (int)F, (int)D);
        List<SafetensorsTensor> tensors =
        [
            Tensor("W_enc", [D, F], encoder, dtype),
            Tensor("b_enc", [F], weights.EncoderBias, dtype),
            Tensor("W_dec", [F, D], weights.DecoderWeight, dtype),
            Tensor("b_dec", [D], weights.DecoderBias, dtype),
        ];
        if (weights.Threshold.Length > 0) tensors.Add(Tensor("threshold", [F], weights.Threshold, dtype));
        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), tensors);
        File.WriteAllText(Path.Combine(directory, ConfigFile), SaeLensConfig.Write(c, dtypeName));
    }

    private static SafetensorsTensor Tensor(string name, long[] shape, float[] data, SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F16 => SafetensorsTensor.F16(name, shape, data),
        SafetensorsDType.BF16 => SafetensorsTensor.BF16(name, shape, data),
        _ => SafetensorsTensor.F32(name, shape, data),
    };

    // True when the matrix is stored as documented, [R, S]; false when stored as [S, R] (only reachable when R ≠ S).
    private static bool Orientation(SafetensorsFile file, string name, long R, long S)
    {
        var info = file.GetInfo(name);
        var shape = info.Shape;
        if (shape.Length == 2 && shape[0] == R && shape[1] == S) return true;
        if (shape.Length == 2 && shape[0] == S && shape[1] == R) return false;
        throw new SafetensorsFormatException(file.Path, name,
            $"has shape {info.ShapeText}, expected [{R}, {S}] (or its transpose) from {ConfigFile}");
    }

    // Reads a matrix documented as [R, S] into destination in our layout: W_enc's documented layout is the transpose
    // of ours (transposeDocumented), W_dec's is ours.
    private static void ReadMatrix(SafetensorsFile file, string name, long R, long S, bool documented, bool transposeDocumented, float[] destination)
    {
        var transpose = documented == transposeDocumented;
        if (!transpose)
        {
            file.ReadFloat32(name, destination);
            CheckFinite(file, name, destination);
            return;
        }
        var values = file.ReadFloat32(name);
        CheckFinite(file, name, values);
        if (documented) Transpose(destination, values, (int)R, (int)S);
        else Transpose(destination, values, (int)S, (int)R);
    }

    private static void ReadVector(SafetensorsFile file, string name, long N, float[] destination)
    {
        file.ExpectShape(name, N);
        file.ReadFloat32(name, destination);
        CheckFinite(file, name, destination);
    }

    // JumpReLU stores threshold; training checkpoints may hold log_threshold; a BatchTopK checkpoint may hold its one
    // scalar topk_threshold, broadcast to every latent.
    private static void ReadThreshold(SafetensorsFile file, SaeConfig config, float[] threshold)
    {
        if (file.Contains("threshold"))
            ReadVector(file, "threshold", config.Latents, threshold);
        else if (file.Contains("log_threshold"))
        {
            ReadVector(file, "log_threshold", config.Latents, threshold);
            for (var i = 0; i < threshold.Length; i++) threshold[i] = MathF.Exp(threshold[i]);
        }
        else if (config.Architecture == SaeArchitecture.BatchTopK && file.Contains("topk_threshold"))
        {
            var info = file.GetInfo("topk_threshold");
            if (info.ElementCount != 1)
                throw new SafetensorsFormatException(file.Path, "topk_threshold", $"has shape {info.ShapeText}, expected one value");
            var value = file.ReadFloat32("topk_threshold");
            CheckFinite(file, "topk_threshold", value);
            Array.Fill(threshold, value[0]);
        }
        else
            throw new SafetensorsFormatException(file.Path, "threshold",
                $"is not in the file, and {ConfigFile} says {config.Architecture}, which needs one threshold per latent");
    }

    private static void CheckFinite(SafetensorsFile file, string name, ReadOnlySpan<float> values)
    {
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new SafetensorsFormatException(file.Path, name, $"has the non-finite value {values[i]} at element {i}");
    }

    /// <summary>dst (cols, rows) = srcᵀ for src (rows, cols), in tiles so both sides stay in cache.</summary>
    private static void Transpose(Span<float> dst, ReadOnlySpan<float> src, int rows, int cols)
    {
        const int Tile = 32;
        for (var r0 = 0; r0 < rows; r0 += Tile)
            for (var c0 = 0; c0 < cols; c0 += Tile)
                for (int r = r0, rEnd = Math.Min(r0 + Tile, rows); r < rEnd; r++)
                    for (int c = c0, cEnd = Math.Min(c0 + Tile, cols); c < cEnd; c++)
                        dst[c * rows + r] = src[r * cols + c];
    }
}
