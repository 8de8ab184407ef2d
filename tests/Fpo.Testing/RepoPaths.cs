namespace Fpo.Testing;

/// <summary>Finds files of this repository from a test's working directory.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>tests/reference/out: where tests/reference/generate.sh writes the PyTorch golden data.</summary>
    public static string GoldenDir => Path.Combine(Root, "tests", "reference", "out");

    /// <summary>The path of one golden file; fails with the command to run when it is missing.</summary>
    public static string Golden(string fileName)
    {
        var path = Path.Combine(GoldenDir, fileName);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"golden file {path} is missing: run ./test.sh (or tests/reference/generate.sh) to write it with PyTorch", path);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no Cluster.sln above {AppContext.BaseDirectory}");
    }
}
