namespace Fpo.Silo.SiloApi;

/// <summary>Whether this API serves the OpenAI-compatible endpoints, and which snapshot (-1 when it does not or has none loaded yet).</summary>
public sealed class ApiServing(ServedSnapshot? served)
{
    public bool Enabled => served is not null;

    public long Version => served?.Version ?? -1;
}
