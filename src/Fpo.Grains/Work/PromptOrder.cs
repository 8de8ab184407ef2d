namespace Fpo.Grains.Work;

/// <summary>
/// The order in which a run visits its training prompts: pass p visits every prompt once, in the order of a shuffle
/// seeded by (seed, p), so the n-th prompt of a run is the same whenever it is asked for.
/// </summary>
public sealed class PromptOrder(IReadOnlyList<string> texts, int seed)
{
    private long _pass = -1;
    private int[] _order = [];

    /// <summary>The text of the run's <paramref name="n"/>-th prompt.</summary>
    public string Text(long n)
    {
        if (texts.Count == 0) throw new InvalidOperationException("the prompt source has no prompts");
        var pass = n / texts.Count;
        if (pass != _pass)
        {
            _order = Enumerable.Range(0, texts.Count).ToArray();
            new Random(unchecked(seed * 7919 + (int)pass)).Shuffle(_order);
            _pass = pass;
        }
        return texts[_order[n % texts.Count]];
    }
}
