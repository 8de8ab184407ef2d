namespace Fpo.Grains.Roles;

/// <summary>Seeds derived from ids with FNV-1a, stable across processes and runs (string.GetHashCode is randomised per process).</summary>
internal static class StableSeed
{
    public static ulong Of(ulong seed, string id)
    {
        var h = 14695981039346656037UL ^ seed;
        foreach (var c in id)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }
}
