namespace Fpo.Grains.Tests.Embedded;

/// <summary>A fresh run folder per test, deleted afterwards.</summary>
public abstract class RunFolder : IDisposable
{
    protected string Folder { get; } = Directory.CreateTempSubdirectory("fpo-backbone-").FullName;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        GC.SuppressFinalize(this);
    }
}
