using Fpo.Grains.Embedded;
using Fpo.Grains.Tests.Embedded;

namespace Fpo.Grains.Tests.Roles;

/// <summary>A run folder with an embedded backbone, for tests of the classes that read a run's stores.</summary>
public abstract class GrainTestRun : RunFolder, IAsyncLifetime
{
    internal EmbeddedBackbone Backbone { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Backbone = EmbeddedBackbone.Open(Folder);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Backbone.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
