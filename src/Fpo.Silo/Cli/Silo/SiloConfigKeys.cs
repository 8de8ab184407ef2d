using Fpo.Silo.Cli.Loop;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// Every key `fpo silo` reads: its own (silo.*, backbone.*, the snapshot store's) and those of `fpo loop`, which the roles read as the loop
/// does. silo-config/trainer.yaml, rollout.yaml, reference.yaml, judge.yaml and api.yaml document the keys their roles
/// need; any other key is an error.
/// </summary>
public static class SiloConfigKeys
{
    public const string Connection = "backbone.connection";
    public const string ConnectionVariable = "FPO__backbone__connection";
    public const string BlobConnection = "snapshots.connection";
    public const string BlobConnectionVariable = "FPO__snapshots__connection";

    public static readonly LoopConfigKey[] Own =
    [
        new("silo", "roles", "", "The roles this silo runs, comma-separated: trainer, prompt_source, rollout, reference, judge, evaluator, api (Orleans places a grain only on a silo with its role)."),
        new("silo", "name", "", "This silo's name in logs, status lines and the run journal (unset: host name and process id; on Kubernetes the pod name)."),
        new("silo", "work", "silo-work", "This silo's local folder: the run's assets loaded from snapshot 0 and the trainer's checkpoints (a new pod starts empty and resumes from the latest snapshot)."),
        new("silo", "status_seconds", "5", "Seconds between status lines on stdout."),
        new("silo", "address", "127.0.0.1", "The IP address this silo advertises to the others (a container sets its pod IP; it then listens on every interface)."),
        new("silo", "port", "0", "The port silos talk to each other on (0: a free one, so several silos share a machine)."),
        new("silo", "gateway_port", "0", "The port Orleans clients connect to (0: a free one)."),
        new("silo", "cluster", "fpo", "The Orleans cluster id: silos with the same id on the same database form one cluster (many runs share it)."),
        new("silo", "kubernetes", "auto", "Orleans' Kubernetes hosting: auto (on when the downward API sets POD_NAME, POD_NAMESPACE and POD_IP and the backbone is postgres), true or false."),
        new("backbone", "kind", "postgres", "postgres (a cluster of silos) or embedded (one silo; the run folder run.runs/RUN)."),
        new("backbone", "run", "", "The run every silo of the cluster joins (its id in the database); several runs side by side comma-separated, each with its own stores and grains (--set RUN:section.key=value sets a value for one run)."),
        new("backbone", "connection", "", "The PostgreSQL connection string; from the environment only (FPO__backbone__connection), never from a file."),
        new("snapshots", "store", "postgres", "Where a cluster keeps snapshot bytes: postgres (in the backbone database) or blob (Azure Blob storage or Azurite; the database keeps the descriptions and the lineage)."),
        new("snapshots", "connection", "", "The Azure Storage connection string of the blob store; from the environment only (FPO__snapshots__connection, e.g. from a Kubernetes Secret), never from a file."),
        new("snapshots", "container", "fpo-snapshots", "The blob container; many runs share it, each under its own prefix."),
        new("snapshots", "full_every", "10", "The blob store writes every version divisible by this in full, and the others as a compressed delta against the previous version (1: always in full)."),
    ];

    public static readonly IReadOnlyList<LoopConfigKey> All = [.. Own, .. LoopConfigKeys.All];
}
