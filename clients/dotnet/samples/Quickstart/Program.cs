// The smallest integration: stream a WAV file to VoiceEmotion at real-time speed, print each update and the summary.
// usage: Quickstart <server-url> <file.wav> [speed]   (speed 0 = as fast as possible)
using System.Globalization;
using VoiceEmotion.Client;

var options = new VoiceEmotionClientOptions
{
    ServerUrl = new Uri(args[0]),
    AccessToken = Environment.GetEnvironmentVariable("VOICEEMOTION_TOKEN"),
    Protocol = HubProtocol.MessagePack,
};
double speed = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 1;

await using var hub = await EmotionHubClient.ConnectAsync(options);
await using var wav = await WavAudio.OpenAsync(args[1]);
await using var session = await hub.StartSessionAsync(wav.Format, new SessionOptions { Source = "quickstart", Label = Path.GetFileName(args[1]) });
var sending = session.StreamAsync(wav, StreamPacing.RealTime with { Speed = speed });
await foreach (var update in session.ReadUpdatesAsync())
    Console.WriteLine(FormattableString.Invariant($"{update.AudioTime,6:F1} s  {update.Top ?? "(no speech)",-10} {update.Confidence:F2}"));
var summary = await sending;
Console.WriteLine(FormattableString.Invariant($"summary: {summary.Updates} updates, dominant {summary.Dominant ?? "none"}"));

using var rest = new VoiceEmotionRestClient(options);
try
{
    await rest.GetSessionAsync("no-such-session");
}
catch (VoiceEmotionException e)
{
    Console.WriteLine($"typed error: {e.Code} ({(int?)e.StatusCode})");
}
