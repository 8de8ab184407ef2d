namespace Fpo.Grains.Hosting;

/// <summary>
/// Where a cluster silo is reached: the address it advertises to the others (its pod IP on Kubernetes), its silo and
/// gateway ports (0: a free port, so several silos share one machine), whether it listens on every interface (a
/// container) or only on the advertised address, and the cluster it joins (silos with the same id form one cluster;
/// many runs share it).
/// </summary>
public sealed record ClusterEndpoint(string Address = "127.0.0.1", int SiloPort = 0, int GatewayPort = 0, bool ListenOnAnyAddress = false, string ClusterId = "fpo");
