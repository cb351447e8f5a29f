namespace VoiceEmotion.Training.Tests.Cli;

/// <summary>Test classes that swap <see cref="Console.Error"/> to read what a command prints: the writer is the whole
/// process's, so they must not run at the same time.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleError
{
    public const string Name = "Console.Error";
}
