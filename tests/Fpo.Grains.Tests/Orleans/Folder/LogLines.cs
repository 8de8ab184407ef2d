using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Fpo.Grains.Tests.Orleans.Folder;

/// <summary>Keeps the warnings and errors a silo or a queue logs, so a test can assert what an operator would read.</summary>
public sealed class LogLines : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) _lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }

    public void Dispose()
    {
    }
}
