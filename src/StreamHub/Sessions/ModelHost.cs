using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>Loads the model once at start-up and owns the cross-session inference batcher.</summary>
public sealed class ModelHost : IAsyncDisposable
{
    public ModelHost(IOptions<StreamHubOptions> options, IHostEnvironment environment, ILogger<ModelHost> logger)
    {
        var path = Resolve(options.Value.ModelPath, environment.ContentRootPath);
        Model = EmotionModel.Load(path);
        Batcher = new InferenceBatcher(Model, options.Value.MaxInferenceBatch, options.Value.InferenceWorkers);
        logger.LogInformation("Emotion model {Path}: labels {Labels}, window {WindowSeconds} s", path, string.Join(",", Model.Labels), Model.WindowSeconds);
    }

    public EmotionModel Model { get; }

    /// <summary>
    /// Runs synthetic speech through the features and the model a few times, pausing so the runtime can recompile the
    /// hot code optimised. Measured: 500 streams opened at once against a server that had not run yet waited up to
    /// 2.6 s (p99) for their updates while that code was still unoptimised; the warm-up moves this cost before listening.
    /// </summary>
    public TimeSpan WarmUp(double seconds = 20, int rounds = 4)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var clip = new Pipeline.Audio.AudioClip(Pipeline.Audio.SyntheticVoice.Generate(16000, seconds, seed: 7), 16000);
        for (int round = 0; round < rounds; round++)
        {
            ClipAnalyzer.Analyze(clip, Batcher, "warm-up");
            Thread.Sleep(150); // tiered compilation promotes hot methods in the background
        }
        return clock.Elapsed;
    }

    public InferenceBatcher Batcher { get; }

    /// <summary>A relative model path is tried against the content root and its parents (so the repository's models/ is found from src/StreamHub).</summary>
    public static string Resolve(string path, string contentRoot)
    {
        if (Path.IsPathRooted(path)) return path;
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, path);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"emotion model '{path}' not found under {contentRoot} or its parents; set StreamHub:ModelPath", path);
    }

    public async ValueTask DisposeAsync()
    {
        await Batcher.DisposeAsync();
        Model.Dispose();
    }
}
