using System.Diagnostics;
using System.Globalization;
using Fpo.Grains.Backbone;

namespace Fpo.Grains.Cluster;

/// <summary>
/// Runs the roles one silo's config names on a shared backbone (shared/DESIGN.md §4, §5), each from its own task, and
/// keeps them running. A singleton role (trainer, prompt source, evaluator) first waits for its election, polling
/// <see cref="IBackbone.TryLeadAsync"/> and logging "waiting: another trainer holds run X"; when its leadership is
/// lost, or its publish loses the snapshot compare-and-set (<see cref="SnapshotConflictException"/>), it drops its
/// grains at once and goes back to waiting. A role that throws anything else is logged and started again after the
/// restart backoff — the backbone retries database outages itself, and the silo outlives them. A clean stop
/// (<see cref="RunAsync"/>'s stop token: SIGTERM, a time or snapshot limit) lets every role finish the batch in hand
/// and the trainer publish what it trained; the kill token abandons the batches to their leases.
/// </summary>
public sealed class RoleHost : IDisposable
{
    private readonly RoleContext _context;
    private readonly List<Slot> _slots;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = new();

    private RoleHost(RoleContext context, List<Slot> slots) => (_context, _slots) = (context, slots);

    public IBackbone Backbone => _context.Backbone;
    public SiloSettings Settings => _context.Silo;
    public IReadOnlyList<SiloRole> Roles => [.. _slots.Select(s => s.Role)];

    /// <summary>
    /// A silo running <paramref name="roles"/> (usually <see cref="SiloRoles.Create"/> of each name in the settings) on
    /// <paramref name="backbone"/>. <paramref name="prepareRun"/> gives the assets the trainer starts an empty run with;
    /// silos without a trainer pass null. <paramref name="log"/> receives one line per event; it must be thread-safe.
    /// </summary>
    public static RoleHost Create(IBackbone backbone, SiloSettings settings, IReadOnlyList<SiloRole> roles,
        Func<CancellationToken, Task<RunAssetSource>>? prepareRun, Action<string> log, TimeProvider? time = null)
    {
        settings.Validate();
        if (roles.Count == 0) throw new ArgumentException("a silo needs at least one role", nameof(roles));
        var context = new RoleContext(backbone, settings, prepareRun, log, time ?? TimeProvider.System);
        return new RoleHost(context, [.. roles.Select(r => new Slot(r))]);
    }

    /// <summary>
    /// Runs every role until <paramref name="stop"/> or a limit of the settings (then returns once each role finished
    /// cleanly) or <paramref name="kill"/> (throws <see cref="OperationCanceledException"/>).
    /// </summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken kill = default)
    {
        _clock.Start();
        using var stopRegistration = stop.Register(RequestStop);
        using var timer = Settings.MaxDuration is { } d ? new Timer(_ => RequestStop(), null, d, Timeout.InfiniteTimeSpan) : null;
        using var journalStop = CancellationTokenSource.CreateLinkedTokenSource(kill);
        var journal = _context.JournalWriter.RunAsync(journalStop.Token);
        var limit = Settings.StopAtVersion is { } version ? WatchVersionAsync(version, kill) : Task.CompletedTask;
        try
        {
            await Task.WhenAll(_slots.Select(s => Task.Run(() => KeepRunningAsync(s, _stop.Token, kill), kill))).ConfigureAwait(false);
        }
        finally
        {
            RequestStop();
            _context.JournalWriter.Complete();
            // What the roles reported last still reaches the journal, unless the database stays away.
            journalStop.CancelAfter(TimeSpan.FromSeconds(10));
            await journal.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await limit.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            _clock.Stop();
        }
        kill.ThrowIfCancellationRequested();
    }

    /// <summary>Asks for a clean stop: every role finishes its batch in hand and <see cref="RunAsync"/> returns.</summary>
    public void RequestStop()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
    }

    /// <summary>The silo's roles and, if the backbone answers within <paramref name="timeout"/>, the run's newest snapshot and queue depths.</summary>
    public async Task<SiloRolesStatus> StatusAsync(TimeSpan timeout)
    {
        var roles = _slots.Select(s => new RoleStatus(s.Role.Name, s.State, s.Role.Activity)).ToList();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            var latest = await Backbone.Snapshots.LatestAsync(cancel.Token).ConfigureAwait(false);
            var queues = await _context.Streams.CountsAsync(cancel.Token).ConfigureAwait(false);
            return new SiloRolesStatus(Settings.Name, Backbone.RunId, _clock.Elapsed, roles, latest?.Version, queues, null);
        }
        catch (Exception e)
        {
            var why = e is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:F0} s" : $"{e.GetType().Name}: {e.Message}";
            return new SiloRolesStatus(Settings.Name, Backbone.RunId, _clock.Elapsed, roles, null, null, why);
        }
    }

    public void Dispose()
    {
        _context.Dispose();
        _stop.Dispose();
    }

    // One role's life in this silo: (elect,) run, and on failure or a lost election start over until a clean stop.
    private async Task KeepRunningAsync(Slot slot, CancellationToken stop, CancellationToken kill)
    {
        var role = slot.Role;
        while (!stop.IsCancellationRequested)
        {
            ILeadership? lead = null;
            var pause = TimeSpan.Zero;
            try
            {
                if (role.Singleton)
                {
                    lead = await LeadAsync(slot, stop, kill).ConfigureAwait(false);
                    if (lead is null) break;
                }
                using var abort = CancellationTokenSource.CreateLinkedTokenSource(kill, lead?.Lost ?? CancellationToken.None);
                slot.State = "running";
                await role.RunAsync(_context, stop, abort.Token).ConfigureAwait(false);
                slot.State = "stopped";
                return;
            }
            catch (OperationCanceledException) when (kill.IsCancellationRequested)
            {
                slot.State = "killed";
                throw;
            }
            catch (OperationCanceledException) when (lead?.Lost.IsCancellationRequested == true)
            {
                Log($"{role.Name}: lost the lead of run {Backbone.RunId}; dropped its grains, waiting to be elected again");
                pause = Settings.LeadPoll;
            }
            catch (SnapshotConflictException e)
            {
                Log($"{role.Name}: another {role.Name} publishes run {Backbone.RunId} ({e.Message}); dropped its grains, waiting to be elected again");
                pause = Settings.LeadPoll;
            }
            catch (Exception e)
            {
                Log($"{role.Name}: failed ({e.GetType().Name}: {e.Message}); restarting in {Settings.RestartBackoff.TotalSeconds:F0} s");
                pause = Settings.RestartBackoff;
            }
            finally
            {
                if (lead is not null) await ReleaseAsync(lead).ConfigureAwait(false);
            }
            slot.State = string.Create(CultureInfo.InvariantCulture, $"restarting in {pause.TotalSeconds:F0} s");
            await PauseAsync(pause, stop, kill).ConfigureAwait(false);
        }
        slot.State = "stopped";
    }

    // Polls for the role's leadership until it is granted (logged), or returns null on a clean stop.
    private async Task<ILeadership?> LeadAsync(Slot slot, CancellationToken stop, CancellationToken kill)
    {
        var role = slot.Role.Name;
        var loggedAt = (DateTimeOffset?)null;
        while (!stop.IsCancellationRequested)
        {
            slot.State = "waiting for the lead";
            try
            {
                if (await Backbone.TryLeadAsync(role, kill).ConfigureAwait(false) is { } lead)
                {
                    Log($"{role}: elected for run {Backbone.RunId}");
                    return lead;
                }
                // Once, then every minute, so a standby's log says why it is idle without flooding.
                var now = _context.Time.GetUtcNow();
                if (loggedAt is null || now - loggedAt >= TimeSpan.FromMinutes(1))
                {
                    Log($"waiting: another {role} holds run {Backbone.RunId}");
                    loggedAt = now;
                }
            }
            catch (Exception e) when (!kill.IsCancellationRequested)
            {
                Log($"{role}: cannot ask the backbone for the lead ({e.GetType().Name}: {e.Message}); trying again");
            }
            await PauseAsync(Settings.LeadPoll, stop, kill).ConfigureAwait(false);
        }
        return null;
    }

    // Giving the lead back can fail when the database is away; its session ending releases the lock anyway.
    private async Task ReleaseAsync(ILeadership lead)
    {
        try
        {
            await lead.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log($"{lead.Role}: releasing the lead failed ({e.GetType().Name}: {e.Message}); the backbone drops it with the session");
        }
    }

    private async Task WatchVersionAsync(long version, CancellationToken kill)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if ((await Backbone.Snapshots.LatestAsync(kill).ConfigureAwait(false))?.Version >= version)
                {
                    Log($"run {Backbone.RunId} reached snapshot {version}; stopping");
                    RequestStop();
                    return;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The status line reports an unreachable backbone; the limit is checked again next time.
            }
            await PauseAsync(Settings.LeadPoll, _stop.Token, kill).ConfigureAwait(false);
        }
    }

    // Sleeps, cut short by a clean stop; a kill throws.
    private async Task PauseAsync(TimeSpan pause, CancellationToken stop, CancellationToken kill)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stop, kill);
        try
        {
            await Task.Delay(pause, _context.Time, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!kill.IsCancellationRequested)
        {
        }
    }

    private void Log(string message) => _context.Log(message);

    private sealed class Slot(SiloRole role)
    {
        public SiloRole Role { get; } = role;
        public volatile string State = "starting";
    }
}
