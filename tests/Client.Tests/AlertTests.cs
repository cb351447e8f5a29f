using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Alerts;
using VoiceEmotion.StreamHub.Tests;

namespace VoiceEmotion.Client.Tests;

public sealed class AlertTests
{
    [Fact]
    public async Task ASubscriptionAndTheOwningStreamBothReceiveTheAlert()
    {
        // A rule any speech meets, so the synthetic voice raises it within a second of speech.
        await using var server = await HubServer.StartAsync(configureAlerts: o => o.Rules = [new AlertRule { Name = "any-speech", Label = "neutral", MinProbability = 0.0001f, MinSeconds = 0.5 }]);
        var options = new VoiceEmotionClientOptions { ServerUrl = server.Address };
        await using var supervisor = await EmotionHubClient.ConnectAsync(options);
        using var subscription = await supervisor.SubscribeAlertsAsync();
        Assert.Empty(subscription.Recent);

        await using var caller = await EmotionHubClient.ConnectAsync(options);
        await using var stream = await caller.StartSessionAsync(AudioFormat.Pcm16(16000));
        var own = new List<AlertMessage>();
        stream.AlertReceived += a => { lock (own) own.Add(a); };
        await stream.StreamAsync(new MemoryStream(AudioEncodings.Encode(SyntheticVoice.Generate(16000, 3.0, 5), AudioEncoding.Pcm16Le)), StreamPacing.AsFastAsPossible);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var alerts = subscription.ReadAllAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await alerts.MoveNextAsync());
        Assert.Equal("any-speech", alerts.Current.Rule);
        Assert.Equal(stream.SessionId, alerts.Current.SessionId);
        lock (own) Assert.Contains(own, a => a.AlertId == alerts.Current.AlertId);
    }
}
