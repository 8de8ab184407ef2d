using Orleans.Runtime;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>
/// Orleans' fatal error handler ends the process (Environment.FailFast), which here is the test host; a silo that
/// learns it was declared dead calls it. Tests record such errors instead.
/// </summary>
public sealed class RecordingFatalErrorHandler(SiloSignals signals) : IFatalErrorHandler
{
    public const string Topic = "fatal";

    public bool IsUnexpected(Exception exception) => true;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null) =>
        signals.Record(Topic, $"{context}: {exception?.Message}");
}
