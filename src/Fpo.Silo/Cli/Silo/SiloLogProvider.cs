namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// The silo's ILogger output in the <see cref="SiloLog"/> format, so the grains' lines ("published snapshot 3") and
/// Orleans' warnings read like the silo's own: Fpo categories from Information, everything else from Warning.
/// </summary>
internal sealed class SiloLogProvider(SiloLog log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName.StartsWith("Fpo.", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Warning);

    public void Dispose()
    {
    }

    private sealed class Logger(SiloLog log, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var level = logLevel >= LogLevel.Warning ? $"{logLevel.ToString().ToLowerInvariant()}: " : "";
            var error = exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})";
            log.WriteFromHost(level + formatter(state, exception) + error);
        }
    }
}
