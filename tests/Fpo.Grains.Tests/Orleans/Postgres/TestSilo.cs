using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fpo.Grains.Orleans.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>
/// A silo in the test process on loopback TCP, set up as a production silo is (the extension methods under test)
/// plus the test grains' signals. It cannot die the way a killed process does (even an ungraceful stop writes its own
/// Dead row); <see cref="KillableSilo"/> can.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private Task? _stopped;

    private TestSilo(string name, IHost host)
    {
        Name = name;
        _host = host;
    }

    public string Name { get; }

    public IServiceProvider Services => _host.Services;

    public SiloAddress Address => Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    /// <summary>How long <see cref="StartAsync"/> took until the silo was active.</summary>
    public TimeSpan StartTime { get; private init; }

    public static async Task<TestSilo> StartAsync(SiloSetup setup, string name)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = name,
            EnvironmentName = Environments.Development,
            DisableDefaults = true,
        });
        builder.Services.AddSingleton(setup.Signals);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (setup.ClusterId, setup.ServiceId));
            silo.Configure<SiloOptions>(o => o.SiloName = name);
            silo.ConfigureEndpoints(IPAddress.Loopback, FreePort(), FreePort());
            silo.UsePostgresClustering(setup.ConnectionString);
            silo.AddPostgresGrainStorage(SiloSetup.Storage, setup.ConnectionString);
            silo.UsePostgresReminders(setup.ConnectionString);
            silo.AddPostgresStreams(SiloSetup.Streams, setup.ConnectionString, setup.StreamOptions);
            silo.Services.Replace(ServiceDescriptor.Singleton<IFatalErrorHandler, RecordingFatalErrorHandler>());
        });
        var host = builder.Build();
        var clock = Stopwatch.StartNew();
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new TestSilo(name, host) { StartTime = clock.Elapsed };
    }

    /// <summary>Starts <paramref name="count"/> silos one after another and waits until each sees all of them active.</summary>
    public static async Task<TestSilo[]> StartClusterAsync(SiloSetup setup, int count)
    {
        var silos = new List<TestSilo>();
        try
        {
            for (var i = 0; i < count; i++) silos.Add(await StartAsync(setup, $"silo-{i}"));
            foreach (var silo in silos)
                await silo.WaitForMembershipAsync($"{count} active silos", s => s.Members.Values.Count(m => m.Status == SiloStatus.Active) == count, TimeSpan.FromSeconds(20));
            return [.. silos];
        }
        catch
        {
            foreach (var silo in silos) await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>Completes when this silo's view of the cluster satisfies <paramref name="condition"/>.</summary>
    public async Task WaitForMembershipAsync(string what, Func<ClusterMembershipSnapshot, bool> condition, TimeSpan timeout)
    {
        var membership = Services.GetRequiredService<IClusterMembershipService>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            if (condition(membership.CurrentSnapshot)) return;
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(deadline.Token))
                if (condition(snapshot)) return;
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"waited {timeout.TotalSeconds:0.#} s for {Name} to see {what}; it sees {membership.CurrentSnapshot}");
        }
    }

    /// <summary>Stops the silo as an orderly shutdown does: it leaves the cluster and hands its work over.</summary>
    public Task StopAsync() => _stopped ??= StopHostAsync();

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StopHostAsync()
    {
        await _host.StopAsync(TestContext.Current.CancellationToken);
        _host.Dispose();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
