using Fpo.Grains.Backbone;
using Fpo.Grains.Embedded;

namespace Fpo.Silo.Cli.Silo;

/// <summary>Opens the backbone a silo's config names.</summary>
public static class SiloBackbone
{
    public static Task<IBackbone> OpenAsync(SiloBackboneOptions options, SiloLog log, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        var folder = Path.Combine(options.RunsFolder, options.RunId);
        var embedded = EmbeddedBackbone.Open(folder);
        foreach (var warning in embedded.Warnings) log.Write(warning);
        return Task.FromResult<IBackbone>(embedded);
    }
}
