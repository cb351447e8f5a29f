using Microsoft.Extensions.Logging;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>A logging sink keeping every message the server writes (formatted as a log file would show it).</summary>
internal sealed class RecordedLogs : ILoggerProvider
{
    private readonly List<(LogLevel Level, string Text)> _messages = [];

    public IReadOnlyList<(LogLevel Level, string Text)> Messages { get { lock (_messages) return _messages.ToList(); } }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private sealed class Logger(RecordedLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) lock (owner._messages) owner._messages.Add((logLevel, formatter(state, exception)));
        }
    }
}
