using YamlDotNet.RepresentationModel;

namespace Fpo.Silo.Tests.Deployment;

/// <summary>
/// Where the silos keep their snapshots: every silo the same store (the trainer writes what the others read); with the
/// blob store, a connection string in FPO__snapshots__connection, either from a secretKeyRef (a storage account: then
/// no Azurite may run beside it) or composed for a Service inside the cluster, which must front an Azurite pod that
/// holds the same account and takes its key from the same Secret key. Each problem is reported once, naming the silos.
/// </summary>
internal static class BlobStorePolicy
{
    public const string AzuriteImage = "mcr.microsoft.com/azure-storage/azurite";
    public const string Store = "FPO__snapshots__store", Connection = "FPO__snapshots__connection";

    public static void Check(IReadOnlyList<Manifest> objects, IReadOnlyList<(Manifest Owner, YamlNode Container)> silos, List<string> violations)
    {
        var stores = silos.Select(s => (s.Owner.Name, Store: Value(s.Container, Store) ?? "the config's")).ToList();
        if (stores.Select(s => s.Store).Distinct().Count() > 1)
            violations.Add($"the silos disagree on the snapshot store: {string.Join(", ", stores.Select(s => $"{s.Name} {s.Store}"))}");

        var azurites = objects.Where(o => o.PodSpec is { } pod && Manifest.Items(pod, "containers")
            .Any(c => Manifest.Text(c, "image")?.StartsWith(AzuriteImage, StringComparison.Ordinal) == true)).ToList();
        var problems = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var toAccount = false;
        foreach (var (owner, c) in silos.Where(s => Value(s.Container, Store) == "blob"))
        {
            var connection = Env(c, Connection);
            string? problem;
            if (connection is null) problem = $"{Store} is blob but {Connection} is not set";
            else if (Manifest.Text(connection, "valueFrom", "secretKeyRef", "key") is not null) (problem, toAccount) = (null, true);
            else problem = EmulatorProblem(objects, azurites, c, Manifest.Text(connection, "value") ?? "");
            if (problem is not null) (problems.TryGetValue(problem, out var names) ? names : problems[problem] = []).Add(owner.Name);
        }
        foreach (var (problem, names) in problems) violations.Add($"{string.Join(", ", names)}: {problem}");
        if (toAccount && azurites.Count > 0)
            violations.Add($"{string.Join(", ", azurites)}: Azurite runs but the silos' snapshots go to the storage account of their Secret");
    }

    // A composed connection string whose endpoint is a bare name is meant for a Service in the cluster: it must reach
    // Azurite, and Azurite must know the account with the key the silos read. A literal key on either side is the secret
    // check's to report, not a mismatch.
    private static string? EmulatorProblem(IReadOnlyList<Manifest> objects, List<Manifest> azurites, YamlNode silo, string connection)
    {
        var parts = connection.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("BlobEndpoint", out var endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Host.Contains('.', StringComparison.Ordinal))
            return null;
        var service = objects.FirstOrDefault(o => o.Kind == "Service" && o.Name == uri.Host
            && Manifest.Items(o.Root, "spec", "ports").Any(p => Manifest.Text(p, "port") == $"{uri.Port}"));
        var selector = Manifest.Map(service?.Root, "spec", "selector");
        var fronted = selector is null ? null : azurites.FirstOrDefault(a => selector.Children.All(l =>
            Manifest.Text(a.Root, "spec", "template", "metadata", "labels", ((YamlScalarNode)l.Key).Value!) == ((YamlScalarNode)l.Value).Value));
        if (fronted is null) return $"the blob endpoint {uri.Host}:{uri.Port} is no Service in front of an Azurite pod";

        var azurite = Manifest.Items(fronted.PodSpec, "containers").First(c => Manifest.Text(c, "image")!.StartsWith(AzuriteImage, StringComparison.Ordinal));
        var accounts = (Value(azurite, "AZURITE_ACCOUNTS") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => a.Split(':')).Where(a => a.Length >= 2).ToDictionary(a => a[0], a => SecretKeyOf(azurite, a[1]), StringComparer.Ordinal);
        var account = parts.GetValueOrDefault("AccountName") ?? "";
        var key = parts.TryGetValue("AccountKey", out var keyText) ? SecretKeyOf(silo, keyText) : null;
        if (key is null) return null;
        return accounts.TryGetValue(account, out var azuriteKey) && (azuriteKey is null || azuriteKey == key) ? null
            : $"account '{account}' with the key of Secret key '{key}' is not among Azurite's accounts ({string.Join(", ", accounts.Select(a => $"'{a.Key}' with Secret key '{a.Value}'"))})";
    }

    // The Secret key behind "$(VAR)", where VAR is read with a secretKeyRef in the same container; null for anything else.
    private static string? SecretKeyOf(YamlNode container, string reference) =>
        reference.StartsWith("$(", StringComparison.Ordinal) && reference.EndsWith(')')
            ? Manifest.Text(Env(container, reference[2..^1]), "valueFrom", "secretKeyRef", "key")
            : null;

    private static YamlNode? Env(YamlNode container, string name) => Manifest.Items(container, "env").FirstOrDefault(e => Manifest.Text(e, "name") == name);

    private static string? Value(YamlNode container, string name) => Manifest.Text(Env(container, name), "value");
}
