namespace Fpo.Tensors;

/// <summary>Argument checks shared by the kernels, so a wrong buffer names the kernel, the buffer and the sizes.</summary>
internal static class KernelArgs
{
    public static void Length(int actual, long expected, string kernel, string buffer, string formula)
    {
        if (actual < expected)
            throw new ArgumentException($"{kernel}: {buffer} has {actual} elements, needs {formula} = {expected}");
    }

    public static void SameLength(int actual, int expected, string kernel, string buffer, string reference)
    {
        if (actual != expected)
            throw new ArgumentException($"{kernel}: {buffer} has {actual} elements, {reference} has {expected}");
    }

    public static void Positive(int value, string kernel, string name)
    {
        if (value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{kernel}: dimension {name} must be >= 0");
    }
}
