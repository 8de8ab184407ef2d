namespace Fpo.Alignment.Tasks;

/// <summary>
/// Training rows that each hold one document from its start: &lt;|endoftext|&gt; at position 0, the document, its closing
/// &lt;|endoftext|&gt; as the last target, then padding whose targets are ignored (−1). A policy is prompted the same way
/// (the prompt right after &lt;|endoftext|&gt;), and no row mixes two stories, so the names to carry through a story are
/// only ever its own: random windows across document boundaries teach the model to reach for the previous story's
/// characters and slow its learning to copy the prompt's. Rows of step s depend only on (seed, s).
/// </summary>
public sealed class DocumentBatches
{
    private readonly int[] _tokens;
    private readonly int[] _starts;  // offsets of the <|endoftext|> that opens each document
    private readonly int _eos;

    public DocumentBatches(int[] tokens, int eos, int sequenceLength, float validationFraction)
    {
        (_tokens, _eos, SequenceLength) = (tokens, eos, sequenceLength);
        var starts = new List<int>();
        // The stream is doc<eos>doc<eos>...: each <eos> opens the next document, and one is put before the first.
        for (var i = 0; i < tokens.Length - 1; i++)
            if (tokens[i] == eos) starts.Add(i);
        _starts = [-1, .. starts];
        ValidationDocuments = Math.Max(1, (int)(_starts.Length * validationFraction));
        if (_starts.Length - ValidationDocuments < 1)
            throw new ArgumentException($"the corpus has {_starts.Length} documents: too few for training and {ValidationDocuments} validation documents");
    }

    public int SequenceLength { get; }
    public int Documents => _starts.Length;

    /// <summary>The last documents, held out for the validation loss.</summary>
    public int ValidationDocuments { get; }

    /// <summary>Fills tokens (B,T) and targets (B,T) with random training documents of step <paramref name="step"/>.</summary>
    public void TrainBatch(int seed, int step, Span<int> tokens, Span<int> targets, int B)
    {
        var random = new Random(unchecked((seed * 1_000_003) ^ step));
        for (var b = 0; b < B; b++)
            Row(random.Next(0, _starts.Length - ValidationDocuments), tokens, targets, b);
    }

    /// <summary>Validation batch <paramref name="index"/> of <paramref name="batches"/>: evenly spaced held-out documents.</summary>
    public void ValidationBatch(int index, int batches, Span<int> tokens, Span<int> targets, int B)
    {
        var first = _starts.Length - ValidationDocuments;
        for (var b = 0; b < B; b++)
            Row(first + (int)((long)(ValidationDocuments - 1) * (index * B + b) / Math.Max(1, batches * B - 1)), tokens, targets, b);
    }

    private void Row(int document, Span<int> tokens, Span<int> targets, int b)
    {
        var T = SequenceLength;
        var row = tokens.Slice(b * T, T);
        var next = targets.Slice(b * T, T);
        row.Fill(_eos);
        next.Fill(-1);
        var start = _starts[document];
        for (var t = 0; t < T; t++)
        {
            var i = start + t;
            if (i + 1 >= _tokens.Length) break;
            if (t > 0) row[t] = _tokens[i];
            next[t] = _tokens[i + 1];
            if (_tokens[i + 1] == _eos) break;
        }
    }
}
