namespace Fpo.Models.Training;

/// <summary>
/// The step-numbered checkpoint folders of a training run, runDir/checkpoints/step-NNNNNNN/, shared by every trainer:
/// each is written into a temporary folder and renamed into place, so a crash never leaves a half-written one where
/// resume would look, and only the newest few are kept. A folder counts as complete when its state file exists.
/// </summary>
public static class CheckpointFolders
{
    public const string Folder = "checkpoints";

    /// <summary>Writes checkpoint <paramref name="step"/> with <paramref name="write"/> (given the folder to fill), then
    /// deletes all but the newest <paramref name="keep"/>; returns the final folder.</summary>
    public static string Save(string runDir, int step, string stateFile, int keep, Action<string> write)
    {
        var root = Path.Combine(runDir, Folder);
        Directory.CreateDirectory(root);
        var final = Path.Combine(root, $"step-{step:D7}");
        var temp = Path.Combine(root, $".tmp-step-{step:D7}-{Environment.ProcessId}");
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        write(temp);
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temp, final);
        foreach (var old in Completed(runDir, stateFile).SkipLast(keep))
            Directory.Delete(old, recursive: true);
        return final;
    }

    /// <summary>Complete checkpoint folders of a run, oldest first.</summary>
    public static IEnumerable<string> Completed(string runDir, string stateFile)
    {
        var root = Path.Combine(runDir, Folder);
        if (!Directory.Exists(root)) return [];
        return Directory.GetDirectories(root, "step-*").Where(d => File.Exists(Path.Combine(d, stateFile))).Order(StringComparer.Ordinal);
    }
}
