namespace Fpo.Silo.Api;

/// <summary>How `fpo serve` runs: address, model name, key, batch and queue bounds, body limit and chat template.</summary>
public sealed record ServerOptions
{
    /// <summary>The id clients pass as "model"; any other id is refused.</summary>
    public required string ModelName { get; init; }

    /// <summary>An IP address; loopback by default so nothing is exposed unless asked.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (tests, the benchmark).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When set, every request needs "Authorization: Bearer KEY".</summary>
    public string? ApiKey { get; init; }

    /// <summary>Sequences decoded together (KV cache slots).</summary>
    public int MaxBatch { get; init; } = 16;

    /// <summary>Positions per sequence (prompt + max_tokens); default the model's, at most 1024.</summary>
    public int? MaxSequenceLength { get; init; }

    /// <summary>Requests waiting for a slot; one more gets 429.</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>Largest request body; a larger one gets 413.</summary>
    public long MaxBodyBytes { get; init; } = 1 << 20;

    /// <summary>Null: the model family's template (<see cref="ChatTemplate.For"/>).</summary>
    public ChatTemplate? ChatTemplate { get; init; }
}
