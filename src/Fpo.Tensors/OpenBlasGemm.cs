using System.Runtime.InteropServices;

namespace Fpo.Tensors;

/// <summary>
/// GEMM through OpenBLAS's <c>cblas_sgemm</c>, loaded at run time so machines without OpenBLAS still start
/// (they get the managed GEMM). OpenBLAS's own thread pool is kept at <see cref="ComputeThreads.Count"/>.
/// </summary>
public sealed unsafe class OpenBlasGemm : IGemm
{
    private const int CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112;
    private static readonly string[] LibraryNames = ["libopenblas.so.0", "libopenblas.so"];

    // cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemm;
    private readonly delegate* unmanaged<int, void> setNumThreads;
    private int threadsSet;

    private OpenBlasGemm(string library, nint sgemm, nint setNumThreads)
    {
        Library = library;
        this.sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        this.setNumThreads = (delegate* unmanaged<int, void>)setNumThreads;
    }

    public string Name => "openblas";

    /// <summary>The library file that loaded, e.g. libopenblas.so.0.</summary>
    public string Library { get; }

    /// <summary>Loads OpenBLAS, or returns null with the reason it is unavailable.</summary>
    public static OpenBlasGemm? TryLoad(out string failure)
    {
        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var sgemm))
            {
                failure = $"{name} loaded but has no cblas_sgemm";
                return null;
            }
            NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var setThreads);
            failure = "";
            return new OpenBlasGemm(name, sgemm, setThreads);
        }
        failure = $"none of {string.Join(", ", LibraryNames)} could be loaded";
        return null;
    }

    public void Multiply(bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0 || GemmArguments.ScaledOnly(m, n, k, alpha, beta, c, ldc)) return;
        SyncThreads();
        fixed (float* pa = a, pb = b, pc = c)
            sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    private void SyncThreads()
    {
        var threads = ComputeThreads.Count;
        if (setNumThreads == null || threadsSet == threads) return;
        setNumThreads(threads);
        threadsSet = threads;
    }
}
