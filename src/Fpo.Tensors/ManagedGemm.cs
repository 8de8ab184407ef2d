using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Fpo.Tensors;

/// <summary>The SIMD instruction sets <see cref="ManagedGemm"/> has micro-kernels for.</summary>
public enum ManagedGemmKernel { Scalar, Avx2, Avx512 }

/// <summary>
/// GEMM in C#, blocked as in GotoBLAS/BLIS: a KC x NC panel of op(B) and an MC x KC block of op(A) are packed
/// into micro-kernel slivers (packing absorbs the four transpose cases), and a register-blocked micro-kernel
/// multiplies one A sliver by one B sliver. Threads split C into column (or row) ranges of whole tiles, each
/// with its own pack buffers.
/// </summary>
public sealed unsafe class ManagedGemm : IGemm
{
    // KC x NR of B (32 KiB for AVX-512) stays in L1 while A slivers stream from the L2-resident MC x KC block.
    private const int KC = 256;
    private const int MC = 144;
    private const int NC = 3072;
    // Below this many multiply-adds a second thread costs more than it saves.
    private const long MinParallelWork = 1L << 18;

    private readonly ManagedGemmKernel kernel;

    /// <summary>A managed GEMM on the given instruction set; throws when this CPU lacks it.</summary>
    public ManagedGemm(ManagedGemmKernel kernel)
    {
        if (!IsSupported(kernel))
            throw new PlatformNotSupportedException($"managed GEMM kernel {kernel} needs instructions this CPU lacks");
        this.kernel = kernel;
    }

    /// <summary>The widest kernel this CPU runs: AVX-512, else AVX2 with FMA, else scalar.</summary>
    public static ManagedGemmKernel BestKernel =>
        IsSupported(ManagedGemmKernel.Avx512) ? ManagedGemmKernel.Avx512
        : IsSupported(ManagedGemmKernel.Avx2) ? ManagedGemmKernel.Avx2
        : ManagedGemmKernel.Scalar;

    public static bool IsSupported(ManagedGemmKernel kernel) => kernel switch
    {
        ManagedGemmKernel.Avx512 => Avx512F.IsSupported && Vector512.IsHardwareAccelerated,
        ManagedGemmKernel.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    public ManagedGemmKernel Kernel => kernel;

    public string Name => "managed-" + kernel.ToString().ToLowerInvariant();

    public void Multiply(bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0 || GemmArguments.ScaledOnly(m, n, k, alpha, beta, c, ldc)) return;
        fixed (float* pa = a, pb = b, pc = c)
        {
            var problem = new GemmProblem(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            switch (kernel)
            {
                case ManagedGemmKernel.Avx512: GemmJob<Avx512MicroKernel>.Run(problem); break;
                case ManagedGemmKernel.Avx2: GemmJob<Avx2MicroKernel>.Run(problem); break;
                default: GemmJob<ScalarMicroKernel>.Run(problem); break;
            }
        }
    }

    /// <summary>One call's operands as pointers, so worker threads can share them (spans cannot cross into lambdas).</summary>
    private readonly struct GemmProblem(bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        public readonly bool TransA = transA, TransB = transB;
        public readonly int M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc;
        public readonly float Alpha = alpha, Beta = beta;
        public readonly float* A = a, B = b, C = c;

        /// <summary>The rows [i0, i1) and columns [j0, j1) of C as a problem of their own.</summary>
        public GemmProblem Block(int i0, int i1, int j0, int j1) => new(TransA, TransB, i1 - i0, j1 - j0, K, Alpha,
            TransA ? A + i0 : A + (nint)i0 * Lda, Lda, TransB ? B + (nint)j0 * Ldb : B + j0, Ldb,
            Beta, C + (nint)i0 * Ldc + j0, Ldc);
    }

    private sealed class GemmJob<TKernel> where TKernel : IGemmMicroKernel
    {
        [ThreadStatic] private static GemmJob<TKernel>? idle;
        [ThreadStatic] private static PackBuffers? buffers;

        private GemmProblem problem;
        private bool splitColumns;
        private readonly Action<int, int> runTiles;

        private GemmJob() => runTiles = RunTiles;

        public static void Run(in GemmProblem p)
        {
            var rowTiles = (p.M + TKernel.MR - 1) / TKernel.MR;
            var colTiles = (p.N + TKernel.NR - 1) / TKernel.NR;
            if (ComputeThreads.Count == 1 || (long)p.M * p.N * p.K < MinParallelWork)
            {
                Blocked(p);
                return;
            }
            var job = idle ?? new GemmJob<TKernel>();
            idle = null;
            job.problem = p;
            job.splitColumns = colTiles >= rowTiles;
            try
            {
                ComputeThreads.For(job.splitColumns ? colTiles : rowTiles, job.runTiles);
            }
            finally
            {
                idle = job;
            }
        }

        private void RunTiles(int t0, int t1)
        {
            var p = problem;
            if (splitColumns) Blocked(p.Block(0, p.M, t0 * TKernel.NR, Math.Min(t1 * TKernel.NR, p.N)));
            else Blocked(p.Block(t0 * TKernel.MR, Math.Min(t1 * TKernel.MR, p.M), 0, p.N));
        }

        private static void Blocked(in GemmProblem p)
        {
            int MR = TKernel.MR, NR = TKernel.NR;
            var pack = buffers ??= new PackBuffers(MC / MR * MR * KC, KC * ((NC + NR - 1) / NR * NR));
            var ap = pack.A; // (MC/MR, KC, MR) packed A slivers
            var bp = pack.B; // (NC/NR, KC, NR) packed B slivers
            var edge = stackalloc float[MR * NR]; // (MR,NR) partial tile at the right/bottom border
            for (var jc = 0; jc < p.N; jc += NC)
            {
                var nc = Math.Min(NC, p.N - jc);
                for (var pc = 0; pc < p.K; pc += KC)
                {
                    var kc = Math.Min(KC, p.K - pc);
                    var beta = pc == 0 ? p.Beta : 1f;
                    PackB(bp, p, pc, kc, jc, nc, NR);
                    for (var ic = 0; ic < p.M; ic += MC / MR * MR)
                    {
                        var mc = Math.Min(MC / MR * MR, p.M - ic);
                        PackA(ap, p, ic, mc, pc, kc, MR);
                        for (var jr = 0; jr < nc; jr += NR)
                        {
                            var nr = Math.Min(NR, nc - jr);
                            for (var ir = 0; ir < mc; ir += MR)
                            {
                                var mr = Math.Min(MR, mc - ir);
                                var c = p.C + (nint)(ic + ir) * p.Ldc + jc + jr;
                                if (mr == MR && nr == NR)
                                {
                                    TKernel.Run(kc, ap + ir * kc, bp + jr * kc, c, p.Ldc, p.Alpha, beta);
                                    continue;
                                }
                                TKernel.Run(kc, ap + ir * kc, bp + jr * kc, edge, NR, 1f, 0f);
                                for (var r = 0; r < mr; r++)
                                    for (var j = 0; j < nr; j++)
                                        c[r * p.Ldc + j] = beta == 0
                                            ? p.Alpha * edge[r * NR + j]
                                            : p.Alpha * edge[r * NR + j] + beta * c[r * p.Ldc + j];
                            }
                        }
                    }
                }
            }
        }

        // dst (ceil(mc/MR), kc, MR): dst[s][p][r] = op(A)[i0 + s*MR + r, p0 + p], rows past mc zero.
        private static void PackA(float* dst, in GemmProblem p, int i0, int mc, int p0, int kc, int MR)
        {
            for (var s = 0; s < mc; s += MR, dst += kc * MR)
            {
                var mr = Math.Min(MR, mc - s);
                if (p.TransA)
                {
                    for (var q = 0; q < kc; q++)
                    {
                        var src = p.A + (nint)(p0 + q) * p.Lda + i0 + s;
                        var d = dst + q * MR;
                        for (var r = 0; r < mr; r++) d[r] = src[r];
                        for (var r = mr; r < MR; r++) d[r] = 0;
                    }
                    continue;
                }
                for (var r = 0; r < mr; r++)
                {
                    var src = p.A + (nint)(i0 + s + r) * p.Lda + p0;
                    for (var q = 0; q < kc; q++) dst[q * MR + r] = src[q];
                }
                for (var r = mr; r < MR; r++)
                    for (var q = 0; q < kc; q++) dst[q * MR + r] = 0;
            }
        }

        // dst (ceil(nc/NR), kc, NR): dst[s][p][j] = op(B)[p0 + p, j0 + s*NR + j], columns past nc zero.
        private static void PackB(float* dst, in GemmProblem p, int p0, int kc, int j0, int nc, int NR)
        {
            for (var s = 0; s < nc; s += NR, dst += kc * NR)
            {
                var nr = Math.Min(NR, nc - s);
                if (!p.TransB)
                {
                    for (var q = 0; q < kc; q++)
                    {
                        var src = p.B + (nint)(p0 + q) * p.Ldb + j0 + s;
                        var d = dst + q * NR;
                        Buffer.MemoryCopy(src, d, nr * sizeof(float), nr * sizeof(float));
                        for (var j = nr; j < NR; j++) d[j] = 0;
                    }
                    continue;
                }
                for (var j = 0; j < nr; j++)
                {
                    var src = p.B + (nint)(j0 + s + j) * p.Ldb + p0;
                    for (var q = 0; q < kc; q++) dst[q * NR + j] = src[q];
                }
                for (var j = nr; j < NR; j++)
                    for (var q = 0; q < kc; q++) dst[q * NR + j] = 0;
            }
        }
    }

    /// <summary>One thread's pack buffers, on the pinned heap and 64-byte aligned so packed slivers load without line splits.</summary>
    private sealed class PackBuffers
    {
        private readonly float[] storage;

        public PackBuffers(int aFloats, int bFloats)
        {
            storage = GC.AllocateUninitializedArray<float>(aFloats + bFloats + 32, pinned: true);
            fixed (float* p = storage)
            {
                var aligned = (float*)(((nint)p + 63) & ~(nint)63);
                A = aligned;
                B = aligned + aFloats;
            }
        }

        public float* A { get; }
        public float* B { get; }
    }
}
