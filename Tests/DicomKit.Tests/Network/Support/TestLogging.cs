using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DicomKit.Tests.Network.Support;

/// <summary>Loggers writing to the xunit output and keeping the lines, so a test can assert a log line was written.</summary>
internal sealed class TestLoggerFactory(ITestOutputHelper? output, LogLevel minimum = LogLevel.Information) : ILoggerFactory
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class Logger(TestLoggerFactory factory) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= factory.minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            var line = $"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}";
            factory.Lines.Enqueue(line);
            try
            {
                factory.output?.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // the test has finished; a late line from a closing association is not an error
            }
        }
    }

    private readonly ITestOutputHelper? output = output;
    private readonly LogLevel minimum = minimum;
}
