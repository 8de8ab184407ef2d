namespace Fpo.Models.Transformer;

/// <summary>
/// Activations of an inference pass over N packed rows of S sequences (allocated per (N, S)). Layers run one after another,
/// so one <see cref="BlockViews"/> serves every layer and the residual stream is updated in place.
/// </summary>
internal sealed class InferenceBuffers
{
    public int Rows { get; }
    public int Sequences { get; }
    public float[] Arena { get; }
    public int[] Positions { get; }      // (N) position of each row in its sequence
    public int[] Slots { get; }          // (N) KV cache slot of each row

    public TensorView Stream { get; }    // (N, C) residual stream, block input and output
    public BlockViews Block { get; }     // (N)-row views
    public TensorView Last { get; }      // (S, C) stream at each sequence's last row
    public TensorView Lnf { get; }       // (S, C)
    public TensorView LnfMean { get; }   // (S) gpt2 only
    public TensorView LnfRstd { get; }   // (S)
    public TensorView Logits { get; }    // (S, V)
    public TensorView Captured { get; }  // (N, C) resid_post of the capture layer

    public InferenceBuffers(ModelConfig config, int N, int S)
    {
        (Rows, Sequences) = (N, S);
        int C = config.Channels, H = config.HiddenSize, gpt2 = config.IsGpt2 ? 1 : 0;
        var arena = new ArenaBuilder($"inference over {N} tokens");
        Stream = arena.Take(N, C);
        Block = new BlockViews(arena.Take(N, C), arena.Take(N * gpt2), arena.Take(N), arena.Take(N, config.QkvChannels),
            arena.Take(N, C), arena.Take(N, C), arena.Take(N, C), arena.Take(N, C), arena.Take(N * gpt2), arena.Take(N),
            arena.Take(N, H), arena.Take(N * (1 - gpt2), H), arena.Take(N, H), arena.Take(N, C), Stream);
        Last = arena.Take(S, C);
        Lnf = arena.Take(S, C);
        LnfMean = arena.Take(S * gpt2);
        LnfRstd = arena.Take(S);
        Logits = arena.Take(S, config.VocabSize);
        Captured = arena.Take(N, C);
        Arena = new float[arena.Size];
        Positions = new int[N];
        Slots = new int[N];
    }
}
