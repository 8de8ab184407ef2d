namespace Fpo.Grains.Stores;

/// <summary>Reading a kind of journal entry page by page from where a reader left off, so a reader that comes back reads only what is new.</summary>
public static class JournalPages
{
    public const int DefaultPage = 1000;

    /// <summary>
    /// Hands every entry of <paramref name="kind"/> with sequence greater than <paramref name="after"/> to
    /// <paramref name="read"/>, a page at a time, oldest first; returns the greatest sequence read (or
    /// <paramref name="after"/> when there was none), where the next call starts.
    /// </summary>
    public static async Task<long> ReadAfterAsync(this IRunJournal journal, string kind, long after, Action<IReadOnlyList<JournalEntry>> read,
        CancellationToken cancellationToken, int page = DefaultPage)
    {
        ArgumentNullException.ThrowIfNull(journal);
        while (true)
        {
            var entries = await journal.ReadAsync(kind, after, page, cancellationToken).ConfigureAwait(false);
            read(entries);
            if (entries.Count > 0) after = Math.Max(after, entries.Max(e => e.Sequence));
            if (entries.Count < page) return after;
        }
    }
}
