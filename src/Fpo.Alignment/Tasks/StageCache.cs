using System.Security.Cryptography;
using System.Text;

namespace Fpo.Alignment.Tasks;

/// <summary>
/// Finished preparation stages in a data folder. A stage lives in "&lt;stage&gt;-&lt;hash&gt;", where the hash is SHA-256 of
/// its key (the settings it reads and its inputs' hashes), so different settings never share a folder. It is built in
/// a ".partial" sibling, marked complete (the marker holds the key) and only then renamed into place: a folder without
/// its marker, or a partial one, is an interrupted build and is deleted and redone, never read.
/// </summary>
public sealed class StageCache(string dataFolder, ITaskProgress progress)
{
    public const string Marker = ".complete";

    public string DataFolder { get; } = Path.GetFullPath(dataFolder);

    /// <summary>The folder of <paramref name="stage"/> for <paramref name="key"/>, built by <paramref name="build"/>
    /// (which writes into the folder it is given) unless a complete one exists.</summary>
    public string Run(string stage, string key, Action<string> build, CancellationToken ct)
    {
        var hash = Hash(key);
        var dir = Path.Combine(DataFolder, $"{stage}-{hash}");
        var marker = Path.Combine(dir, Marker);
        if (File.Exists(marker))
        {
            if (File.ReadAllText(marker) != key)
                throw new InvalidDataException($"{marker}: the stage's marker holds a different key than its folder's hash {hash} stands for; delete {dir} to rebuild it");
            progress.StageReused(stage, dir);
            return dir;
        }
        var partial = dir + ".partial";
        foreach (var stale in new[] { partial, dir })
            if (Directory.Exists(stale)) Directory.Delete(stale, recursive: true);
        Directory.CreateDirectory(partial);
        build(partial);
        ct.ThrowIfCancellationRequested();
        File.WriteAllText(Path.Combine(partial, Marker), key);
        Directory.Move(partial, dir);
        return dir;
    }

    /// <summary>The first 16 hex digits of SHA-256 of the key.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
}
