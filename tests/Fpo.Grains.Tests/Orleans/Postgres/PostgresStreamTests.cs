using Fpo.Grains.Orleans.Postgres;
using Fpo.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>
/// Streams on the PostgreSQL provider between two silos: events reach their implicit consumers wherever those live,
/// the backlog <see cref="PostgresStreamQueues"/> reports drains to nothing, and a consumer that always fails sends
/// its message to the dead letters after the configured attempts.
/// </summary>
[Collection(OrleansPostgresCollection.Name)]
public sealed class PostgresStreamTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EventsReachTheirImplicitConsumersAndTheReportedBacklogDrains()
    {
        var setup = SiloSetup.Fresh(await TestDatabase.CreateAsync(postgres.ConnectionString, "streams"), "streams");
        var silos = await TestSilo.StartClusterAsync(setup, 2);
        try
        {
            await using var watch = await DatabaseWatch.StartAsync(setup.ConnectionString, "OrleansStreamMessage");
            await using var queues = Queues(setup, silos[0]);
            var held = Enumerable.Range(0, 8).Select(i => (JobConsumerGrain.Jobs, $"j{i}"))
                .Concat(Enumerable.Range(0, 3).Select(i => (JobConsumerGrain.Audits, $"a{i}"))).ToArray();
            foreach (var (ns, key) in held) await ProduceAsync(silos[0], ns, key, new Job(key, HoldUntil: "release"));

            Assert.Equal(
                new Dictionary<string, long> { [JobConsumerGrain.Jobs] = 8, [JobConsumerGrain.Audits] = 3 },
                await queues.PendingAsync(SiloSetup.Streams, Ct));

            setup.Signals.Open("release");
            await setup.Signals.WaitAsync("all 11 held jobs to be delivered",
                s => Jobs(s.Events(JobConsumerGrain.Delivered)).Count == held.Length, TimeSpan.FromSeconds(20));
            Assert.Equal(held.Select(h => $"{h.Item1}/{h.Item2}").Order(), Jobs(setup.Signals.Events(JobConsumerGrain.Delivered)).Order());
            await watch.WaitUntilAsync("the backlog to drain", () => queues.PendingAsync(SiloSetup.Streams, Ct), p => p.Count == 0, TimeSpan.FromSeconds(20));

            var consumers = setup.Signals.Events(JobConsumerGrain.Delivered).GroupBy(e => e[(e.IndexOf('@', StringComparison.Ordinal) + 1)..]);
            TestContext.Current.TestOutputHelper?.WriteLine($"deliveries by silo: {string.Join(", ", consumers.Select(g => $"{g.Key}: {g.Count()}"))}");
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task AConsumerThatAlwaysFailsSendsTheMessageToTheDeadLettersAfterMaxAttempts()
    {
        var setup = SiloSetup.Fresh(await TestDatabase.CreateAsync(postgres.ConnectionString, "deadletters"), "deadletters");
        var silos = await TestSilo.StartClusterAsync(setup, 2);
        try
        {
            await using var watch = await DatabaseWatch.StartAsync(setup.ConnectionString, "OrleansStreamDeadLetter");
            await using var queues = Queues(setup, silos[1]);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await ProduceAsync(silos[0], JobConsumerGrain.Jobs, "poison", new Job("poison", Fails: true));

            var letters = await watch.WaitUntilAsync("the failing job to become a dead letter",
                () => queues.DeadLettersAsync(SiloSetup.Streams, 10, Ct), l => l.Count > 0, TimeSpan.FromSeconds(20));
            TestContext.Current.TestOutputHelper?.WriteLine($"dead letter after {clock.Elapsed.TotalSeconds:0.00} s: {string.Join(", ", setup.Signals.Events(JobConsumerGrain.Attempted))}");
            var letter = Assert.Single(letters);
            Assert.Equal(
                (JobConsumerGrain.Jobs, "poison", setup.StreamOptions.MaxAttempts, "delivery failed"),
                (letter.StreamNamespace, letter.StreamKey, letter.Attempts, letter.Reason));
            Assert.InRange(letter.PayloadBytes, 1, 4096);
            Assert.InRange(letter.DeadOn, letter.CreatedOn, letter.RemoveOn);
            Assert.True(Jobs(setup.Signals.Events(JobConsumerGrain.Attempted)).Count(j => j == "jobs/poison") >= setup.StreamOptions.MaxAttempts,
                $"the consumer saw the job fewer than {setup.StreamOptions.MaxAttempts} times: {string.Join(", ", setup.Signals.Events(JobConsumerGrain.Attempted))}");
            Assert.Empty(await queues.PendingAsync(SiloSetup.Streams, Ct));
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    private static PostgresStreamQueues Queues(SiloSetup setup, TestSilo silo) =>
        new(setup.ConnectionString, setup.ServiceId, silo.Services.GetRequiredService<ObjectSerializer>());

    private static Task ProduceAsync(TestSilo silo, string ns, string key, Job job) =>
        silo.Services.GetRequiredService<IClusterClient>().GetStreamProvider(SiloSetup.Streams)
            .GetStream<Job>(StreamId.Create(ns, key)).OnNextAsync(job);

    /// <summary>The jobs in consumer reports "namespace/id@silo", without the silo.</summary>
    private static List<string> Jobs(IEnumerable<string> reports) => [.. reports.Select(r => r[..r.IndexOf('@', StringComparison.Ordinal)])];
}
