using VoiceEmotion.Tests;
using System.Text.Json;
using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Training.Tests.Evaluation;

/// <summary>The `evaluate` command contract external checks rely on, run against the bundled model.</summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ve-evaluate-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData(null, null)]
    [InlineData("--streaming", null)]
    [InlineData("--sessions", null)]
    [InlineData("--steady-sessions", null)]
    [InlineData("--episode-sessions", null)]
    [InlineData(null, "gsm")]
    [InlineData("--streaming", "babble10")]
    public void EightKilohertzMuLawFilesInRavdessNamingGiveTheContractJson(string? mode, string? condition)
    {
        // Synthetic voiced clips (not speech data) named as RAVDESS actors 1-2, emotions 01-08, plus a file to skip.
        var data = Path.Combine(_dir.FullName, "data");
        Directory.CreateDirectory(data);
        var random = new Random(4);
        for (int emotion = 1; emotion <= 8; emotion++)
            for (int actor = 1; actor <= 2; actor++)
            {
                var x = new float[8000 * 3];
                double f0 = 100 + 20 * emotion + 30 * actor, phase = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    phase += 2 * Math.PI * f0 * (1 + 0.05 * Math.Sin(i / 2000.0)) / 8000;
                    x[i] = (float)(0.3 * (Math.Sin(phase) + 0.5 * Math.Sin(2 * phase) + 0.05 * (random.NextDouble() - 0.5)));
                }
                WavWriter.WriteFile(Path.Combine(data, $"03-01-{emotion:00}-01-01-01-{actor:00}.wav"), x, 8000, WavSampleFormat.MuLaw);
            }
        File.WriteAllText(Path.Combine(data, "README.wav"), "not a clip name");
        string json = Path.Combine(_dir.FullName, "out.json");
        var args = new List<string> { "evaluate", "--model", SharedData.BundledModel, "--data", data, "--json", json };
        if (mode is not null) args.Add(mode);
        if (condition is not null) args.AddRange(["--condition", condition]);

        Assert.Equal(0, TrainingCli.Run([.. args]));

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var r = doc.RootElement;
        Assert.Equal(new[] { "neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised" }, r.GetProperty("labels").EnumerateArray().Select(e => e.GetString()!).ToArray());
        // Neutral + calm: 4 files; episode sessions hear each actor's 2 as the background of each of its 3 calls (6
        // other clips over 2 neutral ones), so they are scored, and counted, 3 times.
        int neutral = mode == "--episode-sessions" ? 12 : 4;
        Assert.Equal(12 + neutral, r.GetProperty("files").GetInt32());
        Assert.Equal(1, r.GetProperty("skipped").GetInt32());
        Assert.InRange(r.GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.InRange(r.GetProperty("macroF1").GetDouble(), 0, 1);
        Assert.Equal(neutral, r.GetProperty("perClass").GetProperty("neutral").GetProperty("support").GetInt32());
        foreach (var key in new[] { "precision", "recall", "f1", "support" }) Assert.True(r.GetProperty("perClass").GetProperty("sad").TryGetProperty(key, out _));
        var confusion = r.GetProperty("confusion").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(7, confusion.Length);
        Assert.Equal(12 + neutral, confusion.Sum(row => row.Sum()));
        Assert.Equal(neutral, confusion[0].Sum());
        Assert.Equal(condition ?? "clean", r.GetProperty("condition").GetString());
        Assert.Equal(mode switch { "--streaming" => "streaming", "--sessions" => "sessions", "--steady-sessions" => "steady sessions", "--episode-sessions" => "episode sessions", _ => "clip-level" }, r.GetProperty("mode").GetString());
        var calibration = r.GetProperty("calibration");
        Assert.InRange(calibration.GetProperty("ece").GetDouble(), 0, 1);
        Assert.True(calibration.GetProperty("windows").GetInt32() >= 16, "every clip has speech windows");
        // Streaming also judges every speech update alone, by how much of the utterance its window held.
        Assert.Equal(mode == "--streaming", r.TryGetProperty("updates", out var updates));
        if (mode == "--streaming")
        {
            int count = updates.GetProperty("updates").GetInt32();
            Assert.Equal(calibration.GetProperty("windows").GetInt32(), count);
            Assert.InRange(updates.GetProperty("macroF1").GetDouble(), 0, 1);
            var buckets = updates.GetProperty("byWindowSeconds").EnumerateArray().ToList();
            Assert.NotEmpty(buckets);
            Assert.Equal(count, buckets.Sum(b => b.GetProperty("updates").GetInt32()));
            Assert.Equal(1.0, buckets.Sum(b => b.GetProperty("share").GetDouble()), 6);
            var edges = buckets.Select(b => b.GetProperty("upToSeconds").GetDouble()).ToList();
            Assert.Equal(edges.Order(), edges);
            Assert.All(edges, e => Assert.Contains(e, UpdateQuality.BucketEdges));
        }
    }

    [Fact]
    public void TheConditionMatrixScoresEveryNamedCondition()
    {
        var data = Path.Combine(_dir.FullName, "matrix");
        Directory.CreateDirectory(data);
        for (int emotion = 1; emotion <= 8; emotion++)
            for (int actor = 1; actor <= 2; actor++)
                WavWriter.WriteFile(Path.Combine(data, $"03-01-{emotion:00}-01-01-01-{actor:00}.wav"),
                    SyntheticVoice.Generate(16000, 2.5, seed: emotion * 10 + actor), 16000, WavSampleFormat.Pcm16);
        string json = Path.Combine(_dir.FullName, "matrix.json");
        Assert.Equal(0, TrainingCli.Run(["evaluate", "--model", SharedData.BundledModel, "--data", data, "--json", json, "--condition", "all"]));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var conditions = doc.RootElement.GetProperty("conditions");
        foreach (var name in VoiceEmotion.Training.Channels.LineCondition.MatrixNames)
            Assert.InRange(conditions.GetProperty(name).GetProperty("macroF1").GetDouble(), 0, 1);
    }

    [Theory]
    [InlineData("--json", "--json", "x.json")] // missing required option
    [InlineData("--bogus", "--bogus", "x")]
    [InlineData("--condition", "--condition", "tin-can")]
    [InlineData("--streaming", "--streaming", "--sessions")]
    [InlineData("--steady-sessions", "--sessions", "--steady-sessions")]
    [InlineData("--episode-sessions", "--steady-sessions", "--episode-sessions")]
    public void UsageErrorsNameTheOptionAndFail(string named, params string[] extra)
    {
        var args = new List<string> { "evaluate", "--model", SharedData.BundledModel, "--data", _dir.FullName };
        if (named != "--json") args.AddRange(["--json", "x.json"]);
        if (named != "--json") args.AddRange(extra);
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. args], error: error));
        Assert.Contains(named, error.ToString());
        if (named == "--condition") Assert.Contains("babble10", error.ToString()); // and lists what would do
    }

    [Fact]
    public void AMissingModelIsNamed()
    {
        var error = new StringWriter();
        Assert.NotEqual(0, TrainingCli.Run(["evaluate", "--model", "/nonexistent.onnx", "--data", _dir.FullName, "--json", "x.json"], error: error));
        Assert.Contains("--model: no such file '/nonexistent.onnx'", error.ToString());
    }
}
