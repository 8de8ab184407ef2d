namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// An exclusive hold on a folder for as long as one silo uses it: two writers of the same queue files would interleave
/// their records. The OS drops the hold when the process dies, so a killed silo never leaves the folder locked.
/// </summary>
internal sealed class FolderLock : IDisposable
{
    private readonly FileStream _file;

    private FolderLock(FileStream file) => _file = file;

    public static FolderLock Acquire(string folder, string user)
    {
        var path = Path.Combine(folder, ".lock");
        try
        {
            return new FolderLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"{user}: {folder} is in use by another silo or provider (its {path} is locked). A folder serves one silo at a time: stop the other one, or give this one its own folder.", e);
        }
    }

    public void Dispose() => _file.Dispose();
}
