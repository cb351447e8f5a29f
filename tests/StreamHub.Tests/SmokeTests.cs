namespace VoiceEmotion.StreamHub.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void AssemblyLoads() => Assert.NotNull(typeof(SmokeTests).Assembly);
}
