using System.CommandLine;
using Fpo.Tensors;

namespace Fpo.Silo.Cli;

/// <summary>Options every command understands.</summary>
public static class CommonOptions
{
    public static readonly Option<int?> Threads = new("--threads")
    {
        Description = "Compute threads for kernels and GEMM (default: FPO_THREADS, else all cores).",
        Recursive = true,
    };

    /// <summary>Applies --threads before any kernel runs; rejects values below 1 with a clear message.</summary>
    public static void Apply(ParseResult parse)
    {
        if (parse.GetValue(Threads) is { } threads)
        {
            if (threads < 1)
                throw new CliException($"--threads must be at least 1 (got {threads})");
            ComputeThreads.Count = threads;
        }
    }
}
