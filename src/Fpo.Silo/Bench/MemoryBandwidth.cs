using System.Diagnostics;
using Fpo.Tensors;

namespace Fpo.Silo.Bench;

/// <summary>Copy bandwidth of main memory: bytes copied per second by a 256 MB array copy split over the threads.</summary>
public static class MemoryBandwidth
{
    private const int Bytes = 256 << 20;

    /// <summary>The best of <paramref name="repeats"/> copies (the slow ones measure the neighbours on a shared machine).</summary>
    public static double CopyBytesPerSecond(int threads, int repeats = 5)
    {
        var saved = ComputeThreads.Count;
        ComputeThreads.Count = threads;
        try
        {
            var src = new byte[Bytes];
            var dst = new byte[Bytes];
            src.AsSpan().Fill(1);
            dst.AsSpan().Fill(2);
            var best = double.MaxValue;
            for (var r = 0; r < repeats; r++)
            {
                var watch = Stopwatch.StartNew();
                ComputeThreads.For(threads, (start, end) =>
                {
                    long from = (long)Bytes * start / threads, to = (long)Bytes * end / threads;
                    src.AsSpan((int)from, (int)(to - from)).CopyTo(dst.AsSpan((int)from));
                });
                best = Math.Min(best, watch.Elapsed.TotalSeconds);
            }
            return Bytes / best;
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
    }
}
