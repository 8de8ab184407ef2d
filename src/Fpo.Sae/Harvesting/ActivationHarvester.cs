using Fpo.Models.Transformer;

namespace Fpo.Sae.Harvesting;

/// <summary>
/// Runs a model over a token stream in windows and yields shuffled batches of its residual stream at one hook,
/// through a bounded <see cref="ActivationBuffer"/>: the corpus is never held as activations, only Capacity rows.
/// Windows are consecutive and do not overlap, so every token (up to the limit) is harvested exactly once; each
/// window starts a fresh context, as SAELens' context_size does.
/// </summary>
public sealed class ActivationHarvester
{
    private readonly TransformerModel _model;
    private readonly int _captureLayer;

    public ActivationHarvester(TransformerModel model, int layer, ResidualHook hook, int contextSize, int windowsPerPass)
    {
        _model = model;
        var L = model.Config.Layers;
        if (layer < 0 || layer >= L) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"the model has layers 0..{L - 1}");
        if (hook == ResidualHook.ResidPre && layer == 0)
            throw new ArgumentException("resid_pre of layer 0 is the embedding output, which the model does not expose; use layer >= 1 or resid_post", nameof(hook));
        if (contextSize <= 0 || contextSize > model.Config.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(contextSize), contextSize, $"the context size must be in [1, {model.Config.MaxPositions}]");
        if (windowsPerPass <= 0) throw new ArgumentOutOfRangeException(nameof(windowsPerPass), windowsPerPass, "must be positive");
        _captureLayer = hook == ResidualHook.ResidPost ? layer : layer - 1;
        (ContextSize, WindowsPerPass) = (contextSize, windowsPerPass);
    }

    public int ContextSize { get; }
    public int WindowsPerPass { get; }
    public int Width => _model.Config.Channels;

    /// <summary>Tokens of the stream harvested so far by the running enumeration.</summary>
    public long TokensHarvested { get; private set; }

    /// <summary>
    /// Batches (B, D) of activations of the first <paramref name="maxTokens"/> tokens of the stream (whole windows
    /// only; a shorter tail is dropped), drawn from the buffer once it is full, then drained when the stream ends
    /// (a last remainder of fewer than B rows is dropped).
    /// The yielded array is reused: copy it before the next iteration if it must live on.
    /// A resumed run passes the tokens it had harvested as <paramref name="startToken"/> (whole windows) with the buffer
    /// it had then: those windows are skipped, and the batches go on as if the enumeration had never stopped.
    /// </summary>
    public IEnumerable<float[]> Batches(ReadOnlyMemory<int> tokens, long maxTokens, ActivationBuffer buffer, int B, long startToken = 0)
    {
        if (buffer.Width != Width) throw new ArgumentException($"the buffer holds rows of {buffer.Width}, the model's residual has {Width}", nameof(buffer));
        if (B <= 0 || B > buffer.Capacity) throw new ArgumentOutOfRangeException(nameof(B), B, $"the batch must be in [1, buffer capacity {buffer.Capacity}]");
        var T = ContextSize;
        var windows = (int)Math.Min(tokens.Length / T, maxTokens / T);
        if (windows == 0) throw new ArgumentException($"{Math.Min(tokens.Length, maxTokens)} tokens do not make one window of {T}", nameof(tokens));
        if (startToken < 0 || startToken % T != 0 || startToken > (long)windows * T)
            throw new ArgumentOutOfRangeException(nameof(startToken), startToken, $"the start must be a whole number of windows of {T} tokens within the {(long)windows * T} harvested");
        // Room for one pass beside a batch's worth of older rows, so a batch can always be drawn before refilling.
        var need = (long)Math.Min(WindowsPerPass, windows) * T + B;
        if (buffer.Capacity < need)
            throw new ArgumentException($"the activation buffer ({buffer.Capacity:N0} rows) must hold one pass of {Math.Min(WindowsPerPass, windows)} x {T} tokens plus a batch of {B}: at least {need:N0} rows", nameof(buffer));
        return Run(tokens, windows, buffer, B, (int)(startToken / T));
    }

    private IEnumerable<float[]> Run(ReadOnlyMemory<int> tokens, int windows, ActivationBuffer buffer, int B, int startWindow)
    {
        var T = ContextSize;
        var batch = new float[B * Width];
        var cache = _model.CreateCache(WindowsPerPass, T);
        var previousCapture = _model.CaptureLayer;
        TokensHarvested = (long)startWindow * T;
        try
        {
            var next = startWindow;
            while (next < windows || buffer.Count > 0)
            {
                // Refill until the next pass would overflow, so batches come from as mixed a pool as memory allows.
                while (next < windows && buffer.FreeRows >= Math.Min(WindowsPerPass, windows - next) * T)
                {
                    var count = Math.Min(WindowsPerPass, windows - next);
                    var prompts = new int[count][];
                    for (var w = 0; w < count; w++) prompts[w] = tokens.Slice((next + w) * T, T).ToArray();
                    _model.CaptureLayer = _captureLayer;
                    _model.Prefill(cache, prompts);
                    buffer.Add(_model.CapturedResidual);
                    next += count;
                    TokensHarvested += (long)count * T;
                }
                if (buffer.Count < B) yield break;  // only once the stream has ended: the drained tail is smaller than a batch
                buffer.Take(batch, B);
                yield return batch;
            }
        }
        finally
        {
            _model.CaptureLayer = previousCapture;
        }
    }
}
