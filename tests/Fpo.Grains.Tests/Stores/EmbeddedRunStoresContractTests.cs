using Fpo.Grains.Stores;
using Fpo.Grains.Embedded;

namespace Fpo.Grains.Tests.Stores;

public sealed class EmbeddedRunStoresContractTests : RunStoresContractTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fpo-contract-").FullName;

    protected override Task<IRunStores> OpenFreshAsync() => Task.FromResult<IRunStores>(EmbeddedRunStores.Open(_folder));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
