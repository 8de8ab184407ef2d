using Fpo.Grains.Backbone;
using Fpo.Grains.Embedded;

namespace Fpo.Grains.Tests.Backbones;

public sealed class EmbeddedBackboneContractTests : BackboneContractTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fpo-contract-").FullName;

    protected override Task<IBackbone> OpenFreshAsync() => Task.FromResult<IBackbone>(EmbeddedBackbone.Open(_folder));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
