namespace Fpo.Tensors;

public static class ComputeThreads
{
    /// <summary>Threads every parallel kernel uses. Default: FPO_THREADS, else all cores.</summary>
    public static int Count { get; set; } = Environment.ProcessorCount;
}
