using Fpo.Alignment.Tasks;

namespace Fpo.Alignment.Tests.Tasks;

/// <summary>DocumentBatches: one document per row from its opening end-of-text, padding ignored, validation held out.</summary>
public sealed class DocumentBatchesTests
{
    private const int Eos = 0;
    // Three documents: [5 6], [7 8 9], [3], each closed by <eos>.
    private static readonly int[] Stream = [5, 6, Eos, 7, 8, 9, Eos, 3, Eos];

    [Fact]
    public void EachRowIsOneDocumentFromItsStart()
    {
        var batches = new DocumentBatches(Stream, Eos, sequenceLength: 4, validationFraction: 0.34f);
        Assert.Equal((3, 1), (batches.Documents, batches.ValidationDocuments));
        var rows = new HashSet<string>();
        for (var step = 0; step < 50; step++)
        {
            var tokens = new int[2 * 4];
            var targets = new int[2 * 4];
            batches.TrainBatch(seed: 1, step, tokens, targets, B: 2);
            for (var b = 0; b < 2; b++)
                rows.Add(string.Join(' ', tokens[(b * 4)..(b * 4 + 4)]) + " -> " + string.Join(' ', targets[(b * 4)..(b * 4 + 4)]));
        }
        // Padding repeats <eos> as input and is ignored (-1) as target; the held-out third document never appears.
        Assert.Equal(["0 5 6 0 -> 5 6 0 -1", "0 7 8 9 -> 7 8 9 0"], rows.Order());
    }

    [Fact]
    public void ValidationRowsAreTheHeldOutDocumentsAndBatchesAreReproducible()
    {
        var batches = new DocumentBatches(Stream, Eos, sequenceLength: 3, validationFraction: 0.34f);
        var tokens = new int[3];
        var targets = new int[3];
        batches.ValidationBatch(0, 1, tokens, targets, B: 1);
        Assert.Equal([0, 3, 0], tokens);
        Assert.Equal([3, 0, -1], targets);
        var (a, b) = (new int[6], new int[6]);
        batches.TrainBatch(7, 3, a, new int[6], 2);
        batches.TrainBatch(7, 3, b, new int[6], 2);
        Assert.Equal(a, b);
    }

    [Fact]
    public void ALongDocumentIsCutAtTheRowLength()
    {
        var batches = new DocumentBatches([1, 2, 3, 4, 5, Eos, 6, Eos], Eos, sequenceLength: 3, validationFraction: 0.4f);
        var tokens = new int[3];
        var targets = new int[3];
        batches.TrainBatch(1, 0, tokens, targets, B: 1);
        Assert.Equal([0, 1, 2], tokens);
        Assert.Equal([1, 2, 3], targets);
    }
}
