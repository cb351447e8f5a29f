using BenchmarkDotNet.Attributes;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.Bench;

/// <summary>What a call's start costs the hub: a new session's analyzer through its first 1.5 s of speech (three updates),
/// completed and ended. "Pooled" takes its window buffers from the sessions that ended before it (the service's
/// <see cref="WindowBufferPool.Shared"/>); unpooled allocates them, as every call did before stop 31. MemoryDiagnoser's
/// Allocated column is the garbage a call start leaves — mostly large-object-heap arrays, which only a gen-2 collection frees.</summary>
[MemoryDiagnoser, MedianColumn]
public class SessionStartBenchmarks
{
    private readonly float[] _speech = SyntheticSpeech.GenerateContinuous(24000);
    private readonly List<WindowInput> _windows = [];
    private readonly float[] _probabilities = new float[EmotionLabels.Count];
    private readonly WindowBufferPool _none = new(capacity: 0);

    [Params(false, true)]
    public bool Pooled { get; set; }

    [Benchmark]
    public int CallStart_FirstUpdates()
    {
        var analyzer = new StreamAnalyzer("call") { WindowPool = Pooled ? WindowBufferPool.Shared : _none };
        _windows.Clear();
        analyzer.PushSamples(_speech, _windows);
        foreach (var w in _windows) analyzer.Complete(w, _probabilities);
        analyzer.ReleaseBuffers();
        return _windows.Count;
    }
}
