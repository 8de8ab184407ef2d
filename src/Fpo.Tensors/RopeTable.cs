using System.Runtime.Intrinsics;

namespace Fpo.Tensors;

/// <summary>
/// Rotary embedding, Hugging Face "rotate_half" convention: for i &lt; HS/2 the pair (x[i], x[i+HS/2])
/// is rotated by angle pos * theta^(-2i/HS). Applied in place to NHx heads of HS at each of N rows.
/// </summary>
public sealed class RopeTable
{
    private readonly float[] cos; // (maxPositions, HS/2)
    private readonly float[] sin; // (maxPositions, HS/2)

    public RopeTable(int maxPositions, int HS, float theta)
    {
        if (maxPositions < 0) throw new ArgumentOutOfRangeException(nameof(maxPositions), maxPositions, "RopeTable: maxPositions must be >= 0");
        if (HS <= 0 || HS % 2 != 0) throw new ArgumentOutOfRangeException(nameof(HS), HS, "RopeTable: head size must be positive and even");
        if (!(theta > 0)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "RopeTable: theta must be positive");
        MaxPositions = maxPositions;
        HeadSize = HS;
        var half = HS / 2;
        cos = new float[maxPositions * half];
        sin = new float[maxPositions * half];
        // angles in double: float pos * inv_freq loses digits at long positions
        for (var p = 0; p < maxPositions; p++)
            for (var i = 0; i < half; i++)
            {
                var angle = p * Math.Pow(theta, -2.0 * i / HS);
                cos[p * half + i] = (float)Math.Cos(angle);
                sin[p * half + i] = (float)Math.Sin(angle);
            }
    }

    public int MaxPositions { get; }
    public int HeadSize { get; }

    // x: N rows with row stride rowStride; heads start at headOffset, NHx heads of HS contiguous; positions (N)
    public void Forward(Span<float> x, ReadOnlySpan<int> positions, int N, int rowStride, int headOffset, int NHx) =>
        Rotate(x, positions, N, rowStride, headOffset, NHx, 1f, "RopeTable.Forward");

    // gradient of Forward: the inverse rotation, applied in place to dx laid out like x
    public void Backward(Span<float> dx, ReadOnlySpan<int> positions, int N, int rowStride, int headOffset, int NHx) =>
        Rotate(dx, positions, N, rowStride, headOffset, NHx, -1f, "RopeTable.Backward");

    // direction -1 rotates by -angle, the transpose of the rotation
    private unsafe void Rotate(Span<float> x, ReadOnlySpan<int> positions, int N, int rowStride, int headOffset, int NHx, float direction, string kernel)
    {
        var HS = HeadSize;
        KernelArgs.Positive(N, kernel, nameof(N));
        KernelArgs.Length(positions.Length, N, kernel, "positions", "N");
        if (N == 0 || NHx == 0) return;
        if (headOffset < 0 || headOffset + (long)NHx * HS > rowStride)
            throw new ArgumentException($"{kernel}: heads [{headOffset}, {headOffset + (long)NHx * HS}) do not fit in a row of stride {rowStride}");
        KernelArgs.Length(x.Length, (long)(N - 1) * rowStride + headOffset + NHx * HS, kernel, "x", "(N-1)*rowStride+headOffset+NHx*HS");
        for (var n = 0; n < N; n++)
            if ((uint)positions[n] >= (uint)MaxPositions)
                throw new ArgumentOutOfRangeException(nameof(positions), positions[n], $"{kernel}: position {positions[n]} at row {n} is outside the table [0, {MaxPositions})");
        fixed (float* px = x, pc = cos, ps = sin)
        fixed (int* ppos = positions)
        {
            var minRows = Math.Max(1, 8192 / Math.Max(1, NHx * HS));
            if (ComputeThreads.Inline(N, minRows)) RotateRows(px, pc, ps, ppos, rowStride, headOffset, NHx, HS, direction, 0, N);
            else RotateParallel(px, pc, ps, ppos, N, rowStride, headOffset, NHx, HS, direction, minRows);
        }
    }

    // apart from Rotate so that inline calls do not allocate the closure
    private static unsafe void RotateParallel(float* x0, float* c0, float* s0, int* pos, int N, int rowStride, int headOffset, int NHx, int HS,
        float direction, int minRows) =>
        ComputeThreads.For(N, (n0, n1) => RotateRows(x0, c0, s0, pos, rowStride, headOffset, NHx, HS, direction, n0, n1), minRows);

    private static unsafe void RotateRows(float* x0, float* c0, float* s0, int* pos, int rowStride, int headOffset, int NHx, int HS,
        float direction, int n0, int n1)
    {
        var half = HS / 2;
        for (var n = n0; n < n1; n++)
        {
            float* c = c0 + (nint)pos[n] * half, s = s0 + (nint)pos[n] * half;
            for (var h = 0; h < NHx; h++)
                RotateHead(x0 + (nint)n * rowStride + headOffset + h * HS, c, s, half, direction);
        }
    }

    private static unsafe void RotateHead(float* head, float* cos, float* sin, int half, float direction)
    {
        float* x1 = head, x2 = head + half;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var dir = Vector512.Create(direction);
            for (; i + 16 <= half; i += 16)
            {
                Vector512<float> a = Vector512.Load(x1 + i), b = Vector512.Load(x2 + i), c = Vector512.Load(cos + i), si = dir * Vector512.Load(sin + i);
                Vector512.Store(a * c - b * si, x1 + i);
                Vector512.Store(b * c + a * si, x2 + i);
            }
        }
        for (; i < half; i++)
        {
            float a = x1[i], b = x2[i], si = direction * sin[i];
            x1[i] = a * cos[i] - b * si;
            x2[i] = b * cos[i] + a * si;
        }
    }
}
