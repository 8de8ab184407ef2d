namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// A stream message that will not be delivered any more (OrleansStreamDeadLetter). <see cref="Attempts"/> counts its
/// deliveries; <see cref="Reason"/> is "delivery failed" (a consumer failed on its last allowed delivery), "attempts
/// exhausted" (never confirmed, e.g. its silo died each time) or "expired" (not delivered before
/// <see cref="ExpiresOn"/>). The stream is <see cref="PostgresStreamQueues.Unreadable"/> when this process cannot
/// read the payload.
/// </summary>
public sealed record StreamDeadLetter(
    string Queue,
    long MessageId,
    string StreamNamespace,
    string StreamKey,
    int Attempts,
    int PayloadBytes,
    string Reason,
    DateTimeOffset CreatedOn,
    DateTimeOffset ExpiresOn,
    DateTimeOffset DeadOn,
    DateTimeOffset RemoveOn);
