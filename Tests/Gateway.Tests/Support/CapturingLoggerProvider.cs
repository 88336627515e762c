using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Support;

/// <summary>Every log message, its structured values and any exception, as text.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new StringBuilder().Append(logLevel).Append(' ').Append(category).Append(": ").Append(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                foreach (var (key, value) in values) text.Append(" | ").Append(key).Append('=').Append(value);
            if (exception is not null) text.Append(" | ").Append(exception);
            owner.Entries.Enqueue(text.ToString());
        }
    }
}
