using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Fpo.Tensors;

/// <summary>
/// dst = src * k with non-temporal stores: for outputs far larger than the caches (probabilities and their
/// gradient over a vocabulary), which are not read again soon, this skips reading each destination line into
/// the cache before overwriting it, a third of the memory traffic of the pass.
/// </summary>
internal static unsafe class StreamingStore
{
    public static void Scale(float* dst, float* src, float k, int n)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i < n && ((nint)(dst + i) & 63) != 0; i++) dst[i] = src[i] * k;
            var vk = Vector512.Create(k);
            for (; i + 16 <= n; i += 16) Vector512.StoreAlignedNonTemporal(Vector512.Load(src + i) * vk, dst + i);
            // non-temporal stores are weakly ordered: fence so other threads see them once this range is done
            Sse.StoreFence();
        }
        for (; i < n; i++) dst[i] = src[i] * k;
    }
}
