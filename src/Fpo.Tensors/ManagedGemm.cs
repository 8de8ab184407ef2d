using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Fpo.Tensors;

/// <summary>
/// GEMM in C#, blocked as in GotoBLAS/BLIS: a RowsA x KC panel of op(A) and a KC x ColsB block of op(B) are packed
/// into micro-kernel slivers (packing absorbs the four transpose cases), and a register-blocked micro-kernel
/// multiplies one A sliver by one B sliver. Threads split C into column (or row) ranges of whole tiles, each
/// with its own pack buffers.
/// </summary>
public sealed unsafe class ManagedGemm : IGemm
{
    // Blocking as BLIS does for Skylake-X: an MR x KC sliver of A (18 KiB) stays in L1 while the NR-wide slivers of a
    // KC x NB block of B (720 KiB) stream from L2; the packed A panel (up to RowsA rows) lives in L3.
    private const int KC = 384;
    private const int RowsA = 3072;
    private const int ColsB = 480;
    // Below this many multiply-adds a second thread costs more than it saves.
    private const long MinParallelWork = 1L << 20;

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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Blocked(in GemmProblem p)
        {
            int MR = TKernel.MR, NR = TKernel.NR;
            var pack = buffers ??= new PackBuffers(RowsA / MR * MR * KC, KC * (ColsB / NR * NR));
            var ap = pack.A; // (MA/MR, KC, MR) packed A slivers
            var bp = pack.B; // (NB/NR, KC, NR) packed B slivers
            var edge = stackalloc float[MR * NR]; // (MR,NR) partial tile at the right/bottom border
            // Equal blocks rather than full ones and a remainder: a thin last block would reload A slivers for little work.
            int MA = EvenBlock(p.M, RowsA / MR * MR, MR), NB = EvenBlock(p.N, ColsB / NR * NR, NR), KB = EvenBlock(p.K, KC, 1);
            for (var ic = 0; ic < p.M; ic += MA)
            {
                var ma = Math.Min(MA, p.M - ic);
                for (var pc = 0; pc < p.K; pc += KB)
                {
                    var kc = Math.Min(KB, p.K - pc);
                    var beta = pc == 0 ? p.Beta : 1f;
                    GemmPacking.Pack(ap, p.TransA ? p.A + (nint)pc * p.Lda + ic : p.A + (nint)ic * p.Lda + pc, p.Lda, p.TransA, ma, kc, MR);
                    for (var jc = 0; jc < p.N; jc += NB)
                    {
                        var nb = Math.Min(NB, p.N - jc);
                        GemmPacking.Pack(bp, p.TransB ? p.B + (nint)jc * p.Ldb + pc : p.B + (nint)pc * p.Ldb + jc, p.Ldb, !p.TransB, nb, kc, NR);
                        for (var ir = 0; ir < ma; ir += MR)
                        {
                            var mr = Math.Min(MR, ma - ir);
                            for (var jr = 0; jr < nb; jr += NR)
                            {
                                var nr = Math.Min(NR, nb - jr);
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
    }

    // The block size that covers n in the fewest blocks of at most max, made equal and rounded up to a multiple of unit.
    private static int EvenBlock(int n, int max, int unit)
    {
        var blocks = (n + max - 1) / max;
        var size = (n + blocks - 1) / blocks;
        return (size + unit - 1) / unit * unit;
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
