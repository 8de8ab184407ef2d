using System.Collections;
using Fpo.Grains.Cluster;
using Fpo.Grains.Hosting;
using Fpo.Silo.Cli;
using Fpo.Silo.Cli.Loop;
using Fpo.Silo.Cli.Silo;
using Fpo.Testing;

namespace Fpo.Silo.Tests.Silo;

/// <summary>The role configs in silo-config/ and the errors `fpo silo` gives for bad ones, before any role starts.</summary>
public sealed class SiloConfigTests : IDisposable
{
    private const string Connection = "Host=127.0.0.1;Username=fpo;Password=secret;Database=fpo";
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-silo-config-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string, string[]> RoleFiles => new()
    {
        { "trainer.yaml", [RoleNames.Trainer, RoleNames.PromptSource] },
        { "rollout.yaml", [RoleNames.Rollout] },
        { "reference.yaml", [RoleNames.Reference] },
        { "judge.yaml", [RoleNames.Judge] },
        { "api.yaml", [RoleNames.Evaluator, RoleNames.Api] },
    };

    [Theory]
    [MemberData(nameof(RoleFiles))]
    public void Each_role_file_parses_names_its_roles_and_documents_every_key(string file, string[] roles)
    {
        var path = Path.Combine(RepoPaths.Root, "silo-config", file);

        var (silo, stores) = Read(path, new Hashtable { [SiloConfigKeys.ConnectionVariable] = Connection });

        Assert.Equal(roles, silo.Roles);
        Assert.Equal((SiloStoreOptions.Postgres, "fpo", Connection), (stores.Kind, Assert.Single(stores.RunIds), stores.Connection));
        Assert.EndsWith("silo-work", silo.WorkDir);   // each run gets silo-work/RUN
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].StartsWith("  ", StringComparison.Ordinal) && !lines[i].TrimStart().StartsWith('#'))
                Assert.True(lines[i - 1].TrimStart().StartsWith('#'), $"{file}:{i + 1}: '{lines[i].Trim()}' has no comment line above it");
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("connection:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_endpoint_defaults_to_loopback_on_free_ports_and_a_pod_ip_listens_on_every_interface()
    {
        var env = new Hashtable { [SiloConfigKeys.ConnectionVariable] = Connection };
        Assert.Equal(new ClusterEndpoint("127.0.0.1", 0, 0, false, "fpo"), SiloSettingsReader.Endpoint(Load(RoleFile("rollout.yaml"), env)));

        env["FPO__silo__address"] = "10.1.2.3";
        env["FPO__silo__port"] = "11111";
        Assert.Equal(new ClusterEndpoint("10.1.2.3", 11111, 0, true, "fpo"), SiloSettingsReader.Endpoint(Load(RoleFile("rollout.yaml"), env)));

        env["FPO__silo__address"] = "pod-7";
        var e = Assert.Throws<CliException>(() => SiloSettingsReader.Endpoint(Load(RoleFile("rollout.yaml"), env)));
        Assert.Contains("silo.address: 'pod-7' is not an IP address", e.Message);
    }

    [Fact]
    public void A_missing_connection_string_names_the_environment_variable()
    {
        var e = Assert.Throws<CliException>(() => Read(RoleFile("rollout.yaml"), new Hashtable()));
        Assert.Contains("FPO__backbone__connection is not set", e.Message);
    }

    [Fact]
    public void A_connection_string_in_a_file_or_on_the_command_line_is_refused()
    {
        var file = Write("secret.yaml", "silo:\n  roles: judge\nbackbone:\n  run: r\n  connection: Host=x;Password=p\n");
        var e = Assert.Throws<CliException>(() => Read(file, new Hashtable()));
        Assert.Contains($"{file}:backbone.connection: a connection string holds a password", e.Message);

        e = Assert.Throws<CliException>(() => Read(RoleFile("judge.yaml"), new Hashtable(), [LoopConfig.ParseSet("backbone.connection=Host=x", SiloConfigKeys.All)]));
        Assert.Contains("--set backbone.connection: a connection string holds a password", e.Message);
    }

    [Fact]
    public void Unknown_keys_roles_and_kinds_are_errors_naming_them()
    {
        var env = new Hashtable { [SiloConfigKeys.ConnectionVariable] = Connection };
        var e = Assert.Throws<CliException>(() => Read(Write("typo.yaml", "silo:\n  roles: judge\n  rolez: x\n"), env));
        Assert.Contains("silo.rolez", e.Message);
        Assert.Contains("unknown key", e.Message);

        e = Assert.Throws<CliException>(() => Read(Write("role.yaml", "silo:\n  roles: judge, painter\nbackbone:\n  run: r\n"), env));
        Assert.Contains("silo.roles: unknown role 'painter'", e.Message);

        e = Assert.Throws<CliException>(() => Read(Write("kind.yaml", "silo:\n  roles: judge\nbackbone:\n  kind: redis\n  run: r\n"), env));
        Assert.Contains("backbone.kind: unknown kind 'redis'", e.Message);

        e = Assert.Throws<CliException>(() => Read(Write("run.yaml", "silo:\n  roles: judge\nbackbone:\n  run: 'a b'\n"), env));
        Assert.Contains("backbone.run: 'a b' is not a run id", e.Message);

        e = Assert.Throws<CliException>(() => Read(RoleFile("trainer.yaml"), env, [LoopConfig.ParseSet("task.size=huge", SiloConfigKeys.All)]));
        Assert.Contains("task.size: unknown size 'huge'", e.Message);

        e = Assert.Throws<CliException>(() => Read(RoleFile("rollout.yaml"), new Hashtable { [SiloConfigKeys.ConnectionVariable] = Connection, ["FPO__rollout__grainz"] = "2" }));
        Assert.Contains("FPO__rollout__grainz: not a setting of fpo silo", e.Message);
    }

    [Fact]
    public void The_blob_snapshot_store_takes_its_connection_string_from_the_environment_only_and_checks_its_settings()
    {
        const string blob = "UseDevelopmentStorage=true";
        var env = new Hashtable { [SiloConfigKeys.ConnectionVariable] = Connection, ["FPO__snapshots__store"] = "blob" };
        var e = Assert.Throws<CliException>(() => Read(RoleFile("rollout.yaml"), env));
        Assert.Contains("snapshots.store is blob but FPO__snapshots__connection is not set", e.Message);

        env[SiloConfigKeys.BlobConnectionVariable] = blob;
        var (_, stores) = Read(RoleFile("rollout.yaml"), env);
        Assert.Equal((blob, "fpo-snapshots", 10), (stores.Blobs!.ConnectionString, stores.Blobs.Container, stores.Blobs.FullEvery));
        Assert.Null(Read(RoleFile("rollout.yaml"), new Hashtable { [SiloConfigKeys.ConnectionVariable] = Connection }).Item2.Blobs);

        e = Assert.Throws<CliException>(() => Read(RoleFile("rollout.yaml"), env, [LoopConfig.ParseSet("snapshots.connection=AccountKey=k", SiloConfigKeys.All)]));
        Assert.Contains("--set snapshots.connection: a connection string holds an account key", e.Message);
        e = Assert.Throws<CliException>(() => Read(RoleFile("rollout.yaml"), env, [LoopConfig.ParseSet("snapshots.container=Fpo_Snaps", SiloConfigKeys.All)]));
        Assert.Contains("blob container 'Fpo_Snaps' is not a valid name", e.Message);
        env[SiloConfigKeys.BlobConnectionVariable] = "AccountName=only";
        e = Assert.Throws<CliException>(() => Read(RoleFile("rollout.yaml"), env));
        Assert.Contains("FPO__snapshots__connection", e.Message);
        Assert.Contains("not a usable Azure Storage connection string", e.Message);
        env[SiloConfigKeys.BlobConnectionVariable] = blob;
        e = Assert.Throws<CliException>(() => Read(RoleFile("rollout.yaml"), env, [LoopConfig.ParseSet("snapshots.store=s3", SiloConfigKeys.All)]));
        Assert.Contains("snapshots.store: unknown store 's3'", e.Message);
        e = Assert.Throws<CliException>(() => Read(RoleFile("rollout.yaml"), env, [LoopConfig.ParseSet("backbone.kind=embedded", SiloConfigKeys.All)]));
        Assert.Contains("blob needs backbone.kind postgres", e.Message);
    }

    [Fact]
    public void Fpo_silo_exits_2_with_one_line_for_a_bad_config()
    {
        var (exit, _, error) = CliTests.Run("silo", "--config", RoleFile("rollout.yaml"), "--set", "backbone.kind=embedded", "--set", "rollout.grains=0");

        Assert.Equal(2, exit);
        Assert.Contains("--set rollout.grains: rollout.grains must be at least 1", error);
    }

    [Fact]
    public void Fpo_loop_still_reads_local_yaml_beside_a_pods_silo_variables()
    {
        var config = LoopConfig.Load(Path.Combine(RepoPaths.Root, "silo-config", "local.yaml"),
            new Hashtable { [SiloConfigKeys.ConnectionVariable] = Connection, ["FPO__silo__roles"] = "rollout" }, []);

        Assert.Equal("fpo", LoopSettingsReader.Read(config).Trainer.Training.Method);
    }

    private static (SiloSettings, SiloStoreOptions) Read(string path, IDictionary environment, IEnumerable<(string, string?, string)>? options = null) =>
        SiloSettingsReader.Read(Load(path, environment, options));

    private static LoopConfig Load(string path, IDictionary environment, IEnumerable<(string, string?, string)>? options = null) =>
        LoopConfig.Load(path, environment, options ?? [], SiloConfigKeys.All, "fpo silo", []);

    private static string RoleFile(string name) => Path.Combine(RepoPaths.Root, "silo-config", name);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }
}
