namespace Fpo.Models.Tests.Checkpoints;

/// <summary>A fresh directory under the system temp dir (or <c>root</c>), deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string? root = null)
    {
        Path = System.IO.Path.Combine(root ?? System.IO.Path.GetTempPath(), "fpo-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A directory in memory (tmpfs) where there is one, for tests that write thousands of small files.</summary>
    public static TempDirectory InMemory() => new(Directory.Exists("/dev/shm") ? "/dev/shm" : null);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
