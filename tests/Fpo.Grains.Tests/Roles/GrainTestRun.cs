using Fpo.Grains.Embedded;
using Fpo.Grains.Tests.Embedded;

namespace Fpo.Grains.Tests.Roles;

/// <summary>A run folder with an embedded stores, for tests of the classes that read a run's stores.</summary>
public abstract class GrainTestRun : RunFolder, IAsyncLifetime
{
    internal EmbeddedRunStores Stores { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Stores = EmbeddedRunStores.Open(Folder);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Stores.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
