using Fpo.Models.Checkpoints;

namespace Fpo.Testing;

/// <summary>Opens the safetensors golden files that tests/reference/*.py write with _golden.write_safetensors.</summary>
public static class GoldenFile
{
    /// <summary>Opens tests/reference/out/<paramref name="fileName"/>; fails with the command to run when it is missing.</summary>
    public static SafetensorsFile Open(string fileName) => SafetensorsFile.Open(RepoPaths.Golden(fileName));
}
