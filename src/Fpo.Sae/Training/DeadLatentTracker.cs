namespace Fpo.Sae.Training;

/// <summary>
/// Tokens since each latent last fired (had a positive code); a latent is dead when that exceeds the window.
/// Feeds the AuxK loss its dead mask and the dead % metric. Latents start at 0, i.e. alive until a window has passed.
/// </summary>
public sealed class DeadLatentTracker
{
    private readonly bool[] _dead;  // (F)

    public DeadLatentTracker(int latents, long windowTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latents, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowTokens, 1);
        WindowTokens = windowTokens;
        TokensSinceFired = new long[latents];
        _dead = new bool[latents];
    }

    public long WindowTokens { get; }

    /// <summary>(F) tokens seen since the latent's last positive code.</summary>
    public long[] TokensSinceFired { get; }

    /// <summary>(F) true where the latent is dead.</summary>
    public ReadOnlySpan<bool> Dead => _dead;

    public int DeadCount { get; private set; }

    public double DeadFraction => (double)DeadCount / _dead.Length;

    /// <summary>Counts a batch of B tokens: latents with a positive code in it restart at 0, the others age by B.</summary>
    public void Update(SparseCodes codes, int B)
    {
        var since = TokensSinceFired;
        for (var j = 0; j < since.Length; j++) since[j] += B;
        for (var e = 0; e < codes.Count; e++)
            if (codes.Value[e] > 0) since[codes.Latent[e]] = 0;
        Refresh();
    }

    /// <summary>Puts back ages a checkpoint saved.</summary>
    public void Restore(ReadOnlySpan<long> tokensSinceFired)
    {
        if (tokensSinceFired.Length != TokensSinceFired.Length)
            throw new ArgumentException($"dead-latent tracker: {tokensSinceFired.Length} ages for {TokensSinceFired.Length} latents", nameof(tokensSinceFired));
        tokensSinceFired.CopyTo(TokensSinceFired);
        Refresh();
    }

    private void Refresh()
    {
        var count = 0;
        for (var j = 0; j < _dead.Length; j++)
        {
            _dead[j] = TokensSinceFired[j] > WindowTokens;
            if (_dead[j]) count++;
        }
        DeadCount = count;
    }
}
