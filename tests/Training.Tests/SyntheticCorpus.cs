using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Training.Tests;

/// <summary>A small corpus made in code and named like RAVDESS (no dataset audio): for tests of the training and
/// evaluation machinery that must run everywhere.</summary>
internal sealed class SyntheticCorpus : IDisposable
{
    public SyntheticCorpus(int actors = 3, int repetitions = 2, double seconds = 2.5)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ve-synthetic-").FullName;
        for (int actor = 1; actor <= actors; actor++)
            for (int emotion = 1; emotion <= 8; emotion++)
                for (int rep = 1; rep <= repetitions; rep++)
                {
                    var x = SyntheticVoice.Generate(16000, seconds, seed: actor * 1000 + emotion * 10 + rep);
                    float gain = 0.4f + 0.1f * emotion;
                    for (int i = 0; i < x.Length; i++) x[i] *= gain;
                    WavWriter.WriteFile(Path.Combine(Directory, $"03-01-{emotion:00}-01-01-{rep:00}-{actor:00}.wav"), x, 16000, WavSampleFormat.Pcm16);
                }
    }

    public string Directory { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
