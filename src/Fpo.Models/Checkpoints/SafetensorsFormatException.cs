namespace Fpo.Models.Checkpoints;

/// <summary>
/// A safetensors file is malformed, or does not hold what the caller asked for. The message always starts with
/// the file path, then names the tensor when one is involved, then the problem.
/// </summary>
public sealed class SafetensorsFormatException : Exception
{
    public SafetensorsFormatException(string path, string? tensorName, string problem, Exception? inner = null)
        : base(Format(path, tensorName, problem), inner)
    {
        FilePath = path;
        TensorName = tensorName;
        Problem = problem;
    }

    public string FilePath { get; }

    public string? TensorName { get; }

    /// <summary>The message without the file and tensor prefix.</summary>
    public string Problem { get; }

    private static string Format(string path, string? tensorName, string problem) =>
        tensorName is null ? $"{path}: {problem}" : $"{path}: tensor '{tensorName}' {problem}";
}
