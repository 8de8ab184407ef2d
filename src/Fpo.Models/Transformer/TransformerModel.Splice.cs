namespace Fpo.Models.Transformer;

public sealed partial class TransformerModel
{
    private (int Layer, ResidualEditor Edit)? _residualEdit;
    private bool _lastForwardEdited;

    /// <summary>
    /// Makes every later training <see cref="Forward"/> pass resid_post[layer] through edit before the next block
    /// reads it: how an SAE's reconstruction (or a zero ablation) is spliced into the model to measure the loss it
    /// costs. The backward pass does not know the edit, so <see cref="Backward"/> refuses after an edited forward.
    /// </summary>
    public void SetResidualEdit(int layer, ResidualEditor edit)
    {
        CheckLayer(layer);
        ArgumentNullException.ThrowIfNull(edit);
        _residualEdit = (layer, edit);
    }

    public void ClearResidualEdit() => _residualEdit = null;

    // residual (N, C) of layer l after its block, in a training forward
    private void EditResidual(Span<float> residual, int l, int N)
    {
        if (_residualEdit is not { } e || e.Layer != l) return;
        e.Edit(residual, N);
        _lastForwardEdited = true;
    }
}
