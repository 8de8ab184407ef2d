using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>
/// The run stores' tables, created and migrated at start-up by <see cref="PostgresMigrations"/>, versioned in
/// fpo_schema_version. Many runs share the tables; every row carries its run.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The events channel: payload "p:&lt;run&gt;" when a snapshot was published (snapshot watchers wake on it).</summary>
    public const string Channel = "fpo_events";

    private static readonly (int Version, string Sql)[] Migrations =
    [
        (1, """
            create table fpo_runs (
                run text primary key,
                created_at timestamptz not null default now());

            create sequence fpo_lease_tokens;

            -- state: 0 pending, 1 leased (deadline in the future, or expired and not yet taken again), 2 acknowledged, 3 dead
            create table fpo_stream_records (
                run text not null,
                stream text not null,
                id text not null,
                seq bigint generated always as identity,
                value text,
                state smallint not null default 0,
                deliveries integer not null default 0,
                lease_token bigint not null default 0,
                deadline timestamptz,
                error text,
                died_at timestamptz,
                primary key (run, stream, id));
            create index fpo_stream_open on fpo_stream_records (run, stream, seq) where state < 2;
            create index fpo_stream_dead on fpo_stream_records (run, stream, seq) where state = 3;
            create index fpo_stream_leases on fpo_stream_records (run, stream, deadline) where state = 1;
            -- A queue table turns over quickly: vacuum it early so lease scans do not wade through dead row versions.
            alter table fpo_stream_records set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02);

            create table fpo_snapshots (
                run text not null,
                version bigint not null,
                sha256 text not null,
                bytes bigint not null,
                published_at timestamptz not null default now(),
                trainer_step bigint not null,
                preference_count integer not null,
                metadata text not null,
                consumed_stream text,
                primary key (run, version));

            create table fpo_snapshot_files (
                run text not null,
                version bigint not null,
                name text not null,
                bytes bigint not null,
                chunks integer not null,
                primary key (run, version, name));

            create table fpo_snapshot_chunks (
                run text not null,
                version bigint not null,
                name text not null,
                chunk integer not null,
                data bytea not null,
                primary key (run, version, name, chunk));

            create table fpo_lineage (
                run text not null,
                preference_id text not null,
                version bigint not null,
                primary key (run, preference_id));
            create index fpo_lineage_version on fpo_lineage (run, version);

            create table fpo_dropped (
                run text not null,
                preference_id text not null,
                reason text not null,
                at timestamptz not null default now(),
                seq bigint generated always as identity,
                primary key (run, preference_id));

            create table fpo_feature_stats (
                run text not null,
                version bigint not null,
                side smallint not null,
                data bytea,
                primary key (run, version, side));

            create table fpo_feature_deltas (
                run text not null,
                version bigint not null,
                side smallint not null,
                delta_id text not null,
                primary key (run, version, side, delta_id));

            create table fpo_journal (
                seq bigint generated always as identity primary key,
                run text not null,
                kind text not null,
                id text not null,
                json text not null,
                at timestamptz not null default now(),
                unique (run, kind, id));
            create index fpo_journal_kind on fpo_journal (run, kind, seq);
            """),
        // The data path moved to Orleans streams (their own tables): the home-made stream table and the snapshot's
        // link to the stream it acknowledged go.
        (2, """
            drop table if exists fpo_stream_records;
            drop sequence if exists fpo_lease_tokens;
            alter table fpo_snapshots drop column if exists consumed_stream;
            """),
        // Snapshot bytes may live in blob storage (location: the blob's name; a file may be stored as a delta against
        // the same file of an earlier version), and the retention policy may remove a snapshot's bytes while its row
        // and lineage stay.
        (3, """
            alter table fpo_snapshots add column pruned_at timestamptz;
            alter table fpo_snapshot_files add column location text;
            alter table fpo_snapshot_files add column stored_bytes bigint;
            alter table fpo_snapshot_files add column stored_sha256 text;
            alter table fpo_snapshot_files add column delta_base bigint;
            """),
    ];

    /// <summary>Applies the missing migrations; returns the versions it applied (none when the schema was current).</summary>
    public static Task<IReadOnlyList<int>> MigrateAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        PostgresMigrations.ApplyAsync(connection, "fpo", "fpo_schema_version", Migrations, cancellationToken);
}
