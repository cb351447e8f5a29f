using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Client.Tests;

/// <summary>Synthetic voice-like WAV files (the Pipeline's generator and writer), written to a temporary folder.</summary>
internal sealed class Audio : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ve-client-");

    public string Wav(string name, int sampleRate, double seconds, WavSampleFormat format, int channels = 1, int seed = 1)
    {
        var mono = SyntheticVoice.Generate(sampleRate, seconds, seed);
        var interleaved = new float[mono.Length * channels];
        for (int i = 0; i < mono.Length; i++) for (int c = 0; c < channels; c++) interleaved[i * channels + c] = mono[i] * (c == 0 ? 1f : 0.5f);
        string path = Path.Combine(_dir.FullName, name);
        WavWriter.WriteFile(path, interleaved, sampleRate, format, channels);
        return path;
    }

    public string Folder => _dir.FullName;

    public void Dispose() => _dir.Delete(recursive: true);
}
