namespace Fpo.Tensors;

// One DecodeLinear call's arguments, kept in a reused per-thread object so that a decode step dispatches its
// threads without allocating a closure per call.
internal sealed unsafe class DecodeLinearJob<TW, TLoad> where TW : unmanaged where TLoad : IWeightLoad<TW>
{
    [ThreadStatic] private static DecodeLinearJob<TW, TLoad>? idle;

    private float* _outp, _inp, _bias;
    private TW* _weight;
    private int _n, _c, _oc;
    private readonly Action<int, int> _runItems;

    private DecodeLinearJob() => _runItems = RunItems;

    public static void Run(float* outp, float* inp, TW* weight, float* bias, int N, int C, int OC)
    {
        var job = idle ?? new DecodeLinearJob<TW, TLoad>();
        idle = null;
        job._outp = outp;
        job._inp = inp;
        job._weight = weight;
        job._bias = bias;
        (job._n, job._c, job._oc) = (N, C, OC);
        try
        {
            // at least ~64K multiply-adds per range, so small layers do not pay for a thread hand-off; up to eight
            // ranges per thread, claimed as threads come free, so a core lost to another process stalls no one
            var minItems = Math.Max(1, 65536 / Math.Max(1, 8 * C * N));
            ComputeThreads.For(DecodeLinear.Items(OC), job._runItems, minItems, rangesPerThread: 8);
        }
        finally
        {
            job._outp = job._inp = job._bias = null;
            job._weight = null;
            idle = job;
        }
    }

    private void RunItems(int start, int end) =>
        DecodeLinear.RunItems<TW, TLoad>(_outp, _inp, _weight, _bias, _n, _c, _oc, start, end);
}
