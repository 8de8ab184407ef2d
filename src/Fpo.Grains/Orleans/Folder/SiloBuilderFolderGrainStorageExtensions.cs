using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Fpo.Grains.Orleans.Folder;

public static class SiloBuilderFolderGrainStorageExtensions
{
    /// <summary>
    /// Adds grain storage named <paramref name="name"/> that keeps each grain's state as a file in
    /// <paramref name="folder"/>, replaced atomically and guarded by its ETag. The state is written by the grain storage
    /// serializer registered under <paramref name="name"/>, or else the silo's default one.
    /// </summary>
    public static ISiloBuilder AddFolderGrainStorage(this ISiloBuilder builder, string name, string folder)
    {
        builder.Services.AddGrainStorage(name, (services, storageName) => new FolderGrainStorage(
            storageName,
            folder,
            services.GetKeyedService<IGrainStorageSerializer>(storageName) ?? services.GetRequiredService<IGrainStorageSerializer>(),
            services.GetRequiredService<IActivatorProvider>()));
        return builder;
    }
}
