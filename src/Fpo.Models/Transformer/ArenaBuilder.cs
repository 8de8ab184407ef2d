namespace Fpo.Models.Transformer;

/// <summary>Hands out consecutive views of one arena and checks that the total fits a float[].</summary>
internal sealed class ArenaBuilder(string what)
{
    private long _offset;

    public int Size => (int)_offset;

    /// <summary>count stacked tensors of the product of dims elements each.</summary>
    public TensorView Stacked(int count, params int[] dims)
    {
        long size = 1;
        foreach (var d in dims) size *= d;
        if (_offset + size * count > Array.MaxLength)
            throw new ArgumentException($"{what}: {_offset + size * count:N0} floats do not fit one float[] (max {Array.MaxLength:N0}); use a smaller batch or sequence length");
        var view = new TensorView((int)_offset, (int)size, count);
        _offset += size * count;
        return view;
    }

    public TensorView Take(params int[] dims) => Stacked(1, dims);
}
