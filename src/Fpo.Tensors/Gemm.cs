namespace Fpo.Tensors;

/// <summary>The process-wide GEMM: OpenBLAS when it loads, the managed SIMD GEMM otherwise or when FPO_GEMM=managed.</summary>
public static class Gemm
{
    private static string openBlasFailure = "";
    private static readonly Lazy<OpenBlasGemm?> openBlas = new(() => OpenBlasGemm.TryLoad(out openBlasFailure));
    private static readonly Lazy<ManagedGemm> managed = new(() => new ManagedGemm(ManagedGemm.BestKernel));
    private static readonly Lazy<IGemm> chosen = new(Choose);

    /// <summary>OpenBLAS when libopenblas.so.0 loads and FPO_GEMM != managed; else the managed SIMD GEMM. Logged once.</summary>
    public static IGemm Default => chosen.Value;

    /// <summary>The managed GEMM on this CPU's widest instruction set (for benchmarks and tests).</summary>
    public static ManagedGemm Managed => managed.Value;

    /// <summary>OpenBLAS, or null when it cannot be loaded on this machine (for benchmarks and tests).</summary>
    public static OpenBlasGemm? OpenBlas => openBlas.Value;

    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc) =>
        Default.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>
    /// The backend choice as a pure function of the FPO_GEMM value and whether OpenBLAS loaded:
    /// unset or "openblas" picks OpenBLAS when available, "managed" forces the managed GEMM; the reason says why.
    /// </summary>
    public static (bool UseOpenBlas, string Reason) Select(string? fpoGemm, bool openBlasLoaded, string openBlasFailure)
    {
        var requested = fpoGemm?.Trim().ToLowerInvariant();
        return requested switch
        {
            null or "" or "openblas" when openBlasLoaded => (true, requested is "openblas" ? "FPO_GEMM=openblas" : "default"),
            null or "" or "openblas" => (false, $"OpenBLAS unavailable: {openBlasFailure}"),
            "managed" => (false, "FPO_GEMM=managed"),
            _ => throw new ArgumentException($"FPO_GEMM='{fpoGemm}' is not a GEMM backend: use 'openblas' or 'managed'", nameof(fpoGemm)),
        };
    }

    private static IGemm Choose()
    {
        var blas = OpenBlas;
        var (useOpenBlas, reason) = Select(Environment.GetEnvironmentVariable("FPO_GEMM"), blas is not null, openBlasFailure);
        IGemm gemm = useOpenBlas ? blas! : Managed;
        var detail = useOpenBlas ? $"{blas!.Library}, " : "";
        var threads = ComputeThreads.Count == 1 ? "1 thread" : $"{ComputeThreads.Count} threads";
        Console.Error.WriteLine($"fpo: GEMM backend {gemm.Name} ({detail}{threads}; {reason})");
        return gemm;
    }
}
