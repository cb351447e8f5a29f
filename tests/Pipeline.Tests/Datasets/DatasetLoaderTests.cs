using System.IO.Compression;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Pipeline.Tests.Datasets;

public sealed class DatasetLoaderTests
{
    [Theory]
    [InlineData("03-01-01-01-01-01-01.wav", "ravdess", "ravdess-01", "neutral", EmotionLabels.Neutral)]
    [InlineData("03-01-02-02-01-02-14.wav", "ravdess", "ravdess-14", "calm", EmotionLabels.Neutral)]
    [InlineData("03-01-08-02-02-02-24.wav", "ravdess", "ravdess-24", "surprised", EmotionLabels.Surprised)]
    [InlineData("OAF_back_angry.wav", "tess", "tess-OAF", "angry", EmotionLabels.Angry)]
    [InlineData("YAF_youth_ps.wav", "tess", "tess-YAF", "surprised", EmotionLabels.Surprised)]
    [InlineData("YAF_bath_fear.wav", "tess", "tess-YAF", "fearful", EmotionLabels.Fearful)]
    public void NamesParseIntoCorpusSpeakerAndLabels(string name, string corpus, string speaker, string trainingLabel, int label)
    {
        var parsed = DatasetLoader.ParseName(name);
        Assert.NotNull(parsed);
        Assert.Equal((corpus, speaker, trainingLabel), parsed.Value);
        Assert.Equal(label, EmotionLabels.IndexOf(trainingLabel));
    }

    [Theory]
    [InlineData("03-02-01-01-01-01-01.wav")] // song, not speech
    [InlineData("01-01-01-01-01-01-01.wav")] // audio-video file
    [InlineData("03-01-09-01-01-01-01.wav")] // no such emotion
    [InlineData("OAF_back_bored.wav")]
    [InlineData("readme.wav")]
    public void OtherNamesAreNotClips(string name) => Assert.Null(DatasetLoader.ParseName(name));

    [Fact]
    public void AZipAndAFolderOfTheSameFilesLoadTheSameClipsAtTheirOwnRate()
    {
        var root = Directory.CreateTempSubdirectory("ve-dataset-");
        try
        {
            var files = new Dictionary<string, byte[]>
            {
                ["Actor_01/03-01-05-01-01-01-01.wav"] = WavWriter.Write(Signals.Tone(200, 48000, 0.2), 48000, WavSampleFormat.Pcm16),
                ["Actor_02/03-01-02-01-01-01-02.wav"] = WavWriter.Write(Signals.Tone(300, 8000, 0.2), 8000, WavSampleFormat.MuLaw),
                ["Actor_02/03-02-02-01-01-01-02.wav"] = WavWriter.Write(new float[100], 16000, WavSampleFormat.Pcm16),
                ["OAF_angry/OAF_back_angry.wav"] = WavWriter.Write(Signals.Tone(150, 24414, 0.2), 24414, WavSampleFormat.Pcm16),
            };
            string folder = Path.Combine(root.FullName, "data");
            foreach (var (name, bytes) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, name))!);
                File.WriteAllBytes(Path.Combine(folder, name), bytes);
            }
            string zip = Path.Combine(root.FullName, "data.zip");
            ZipFile.CreateFromDirectory(folder, zip);

            foreach (var path in new[] { folder, zip })
            {
                var dataset = DatasetLoader.Load(path);
                Assert.Equal(3, dataset.Clips.Count);
                Assert.Equal(1, dataset.Skipped);
                var byName = dataset.Clips.ToDictionary(c => c.Name);
                Assert.Equal("angry", byName["03-01-05-01-01-01-01.wav"].TrainingLabel);
                Assert.Equal(EmotionLabels.Neutral, byName["03-01-02-01-01-01-02.wav"].Label);
                Assert.Equal("tess-OAF", byName["OAF_back_angry.wav"].Speaker);
                var audio = byName["03-01-05-01-01-01-01.wav"].Load();
                Assert.Equal(48000, audio.SampleRate);
                Assert.Equal(16000 * 0.2, audio.To16k().Samples.Length, 2);
                Assert.Equal(8000, byName["03-01-02-01-01-01-02.wav"].Load().SampleRate);
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void AMissingPathIsAClearError()
    {
        var error = Assert.Throws<FileNotFoundException>(() => DatasetLoader.Load("/nonexistent/ravdess.zip"));
        Assert.Contains("does not exist", error.Message);
    }
}
