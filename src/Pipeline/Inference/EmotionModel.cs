using System.Buffers;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Inference;

/// <summary>
/// The emotion model on ONNX Runtime. Loading checks the model's metadata against this Pipeline's feature schema,
/// so a model trained on other features is refused with a clear message. Model labels are mapped onto the seven
/// product labels (calm is summed into neutral). Thread-safe; one intra-op thread per call, since the service
/// batches across sessions and parallelises itself.
/// </summary>
public sealed class EmotionModel : IBatchTensorClassifier, IDisposable
{
    public const string FramesInput = "frames";
    public const string StatsInput = "stats";
    public const string OutputName = "probabilities";

    private readonly InferenceSession _session;
    private readonly int[] _labelMap;
    private readonly string[] _outputNames = [OutputName];

    private EmotionModel(InferenceSession session, string source)
    {
        _session = session;
        Source = source;
        Metadata = session.ModelMetadata.CustomMetadataMap;
        string Require(string key) => Metadata.TryGetValue(key, out var value)
            ? value
            : throw new ModelMetadataException($"model {source} has no '{key}' metadata: it was not exported by VoiceEmotion.Training");

        string schema = Require("feature_schema_version");
        if (schema != FeatureSchema.Version)
            throw new ModelMetadataException($"model {source} was built for feature schema '{schema}', this Pipeline computes '{FeatureSchema.Version}': retrain or use a matching release");
        CheckCount(Require("frame_feature_count"), FeatureSchema.FrameFeatureCount, "frame_feature_count");
        CheckCount(Require("window_feature_count"), FeatureSchema.WindowFeatureCount, "window_feature_count");
        CheckCount(Require("sample_rate"), FeatureSchema.SampleRate, "sample_rate");
        WindowSeconds = double.Parse(Require("window_seconds"), CultureInfo.InvariantCulture);

        Labels = Require("labels").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        _labelMap = new int[Labels.Count];
        for (int i = 0; i < Labels.Count; i++)
        {
            _labelMap[i] = EmotionLabels.IndexOf(Labels[i]);
            if (_labelMap[i] < 0)
                throw new ModelMetadataException($"model {source} has label '{Labels[i]}', which is neither a product label ({string.Join(", ", EmotionLabels.All)}) nor an alias");
        }

        var inputs = session.InputMetadata;
        if (inputs.TryGetValue(FramesInput, out var frames))
        {
            var d = frames.Dimensions;
            if (d.Length != 3 || d[2] != FeatureSchema.FrameFeatureCount || d[1] <= 0)
                throw new ModelMetadataException($"model {source} input '{FramesInput}' has shape [{string.Join(", ", d)}]; expected [N, T, {FeatureSchema.FrameFeatureCount}]");
            WindowFrames = d[1];
        }
        if (inputs.TryGetValue(StatsInput, out var stats))
        {
            var d = stats.Dimensions;
            if (d.Length != 2 || d[1] != FeatureSchema.WindowFeatureCount)
                throw new ModelMetadataException($"model {source} input '{StatsInput}' has shape [{string.Join(", ", d)}]; expected [N, {FeatureSchema.WindowFeatureCount}]");
            UsesStats = true;
        }
        if (WindowFrames == 0 && !UsesStats)
            throw new ModelMetadataException($"model {source} has neither a '{FramesInput}' nor a '{StatsInput}' input");
        if (!session.OutputMetadata.TryGetValue(OutputName, out var output) || output.Dimensions.Length != 2 || output.Dimensions[1] != Labels.Count)
            throw new ModelMetadataException($"model {source} must output '{OutputName}' as [N, {Labels.Count}]");
    }

    /// <summary>Where the model came from (a path, or "bytes").</summary>
    public string Source { get; }

    /// <summary>The model's own labels, in its output order.</summary>
    public IReadOnlyList<string> Labels { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public double WindowSeconds { get; }

    public int WindowFrames { get; }

    public bool UsesStats { get; }

    /// <summary>Loads and checks a model file.</summary>
    public static EmotionModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"emotion model '{path}' not found", path);
        try
        {
            return new EmotionModel(new InferenceSession(path, CreateOptions()), path);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelMetadataException($"'{path}' is not a loadable ONNX model: {e.Message}");
        }
    }

    /// <summary>Loads and checks a model held in memory.</summary>
    public static EmotionModel Load(byte[] model)
    {
        try
        {
            return new EmotionModel(new InferenceSession(model, CreateOptions()), "bytes");
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelMetadataException($"not a loadable ONNX model: {e.Message}");
        }
    }

    /// <summary>Probabilities over the model's own labels, [batch × Labels.Count].</summary>
    public void PredictRaw(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> output)
    {
        if (batchSize <= 0) return;
        int frameValues = batchSize * WindowFrames * FeatureSchema.FrameFeatureCount;
        int statValues = UsesStats ? batchSize * FeatureSchema.WindowFeatureCount : 0;
        if (frames.Length < frameValues) throw new ArgumentException($"expected {frameValues} frame values, got {frames.Length}", nameof(frames));
        if (stats.Length < statValues) throw new ArgumentException($"expected {statValues} window statistics, got {stats.Length}", nameof(stats));

        var names = new List<string>(2);
        var values = new List<OrtValue>(2);
        var rented = new List<float[]>(2);
        try
        {
            if (WindowFrames > 0)
                Add(FramesInput, frames[..frameValues], [batchSize, WindowFrames, FeatureSchema.FrameFeatureCount]);
            if (UsesStats)
                Add(StatsInput, stats[..statValues], [batchSize, FeatureSchema.WindowFeatureCount]);
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, names, values, _outputNames);
            results[0].GetTensorDataAsSpan<float>()[..(batchSize * Labels.Count)].CopyTo(output);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
            foreach (var a in rented) ArrayPool<float>.Shared.Return(a);
        }

        void Add(string name, ReadOnlySpan<float> data, long[] shape)
        {
            var buffer = ArrayPool<float>.Shared.Rent(data.Length);
            rented.Add(buffer);
            data.CopyTo(buffer);
            names.Add(name);
            values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, data.Length), shape));
        }
    }

    /// <inheritdoc />
    public void Predict(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> probabilities)
    {
        int classes = Labels.Count;
        var raw = ArrayPool<float>.Shared.Rent(batchSize * classes);
        try
        {
            PredictRaw(frames, stats, batchSize, raw);
            MapLabels(raw, batchSize, probabilities);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(raw);
        }
    }

    /// <inheritdoc />
    public ClassifierBatch CreateBatch(int maxBatch) => new OrtBatch(this, maxBatch);

    /// <summary>
    /// Pinned input and output arrays sized for <see cref="MaxBatch"/> windows, and for each batch size the OrtValues
    /// that view their first rows (made the first time that size is run, then reused): a run allocates nothing and
    /// copies nothing but the label mapping of its output.
    /// </summary>
    private sealed class OrtBatch : ClassifierBatch
    {
        private readonly EmotionModel _model;
        private readonly float[] _frames, _stats, _raw;
        private readonly int _frameValues, _statValues, _classes;
        private readonly string[] _inputNames;
        private readonly OrtValue[]?[] _inputs;
        private readonly OrtValue?[] _outputs;
        private readonly RunOptions _runOptions = new();

        public OrtBatch(EmotionModel model, int maxBatch)
        {
            if (maxBatch <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatch));
            _model = model;
            MaxBatch = maxBatch;
            _classes = model.Labels.Count;
            _frameValues = model.WindowFrames * FeatureSchema.FrameFeatureCount;
            _statValues = model.UsesStats ? FeatureSchema.WindowFeatureCount : 0;
            _frames = _frameValues > 0 ? GC.AllocateArray<float>(maxBatch * _frameValues, pinned: true) : [];
            _stats = _statValues > 0 ? GC.AllocateArray<float>(maxBatch * _statValues, pinned: true) : [];
            _raw = GC.AllocateArray<float>(maxBatch * _classes, pinned: true);
            var names = new List<string>(2);
            if (_frameValues > 0) names.Add(FramesInput);
            if (_statValues > 0) names.Add(StatsInput);
            _inputNames = [.. names];
            _inputs = new OrtValue[]?[maxBatch + 1];
            _outputs = new OrtValue?[maxBatch + 1];
        }

        public override int MaxBatch { get; }

        public override Span<float> Frames(int index) => _frames.AsSpan(index * _frameValues, _frameValues);

        public override Span<float> Stats(int index) => _stats.AsSpan(index * _statValues, _statValues);

        public override void Run(int batchSize, Span<float> probabilities)
        {
            if (batchSize <= 0) return;
            if (batchSize > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batchSize), $"at most {MaxBatch} windows per batch");
            var inputs = _inputs[batchSize] ??= CreateInputs(batchSize);
            var output = _outputs[batchSize] ??= OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                _raw.AsMemory(0, batchSize * _classes), [batchSize, _classes]);
            _model._session.Run(_runOptions, _inputNames, inputs, _model._outputNames, [output]);
            _model.MapLabels(_raw, batchSize, probabilities);
        }

        private OrtValue[] CreateInputs(int n)
        {
            var values = new List<OrtValue>(2);
            if (_frameValues > 0)
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _frames.AsMemory(0, n * _frameValues),
                    [n, _model.WindowFrames, FeatureSchema.FrameFeatureCount]));
            if (_statValues > 0)
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _stats.AsMemory(0, n * _statValues),
                    [n, FeatureSchema.WindowFeatureCount]));
            return [.. values];
        }

        public override void Dispose()
        {
            foreach (var set in _inputs) if (set is not null) foreach (var v in set) v.Dispose();
            foreach (var v in _outputs) v?.Dispose();
            _runOptions.Dispose();
        }
    }

    /// <summary>Probabilities over the model's labels → over the seven product labels (calm summed into neutral).</summary>
    private void MapLabels(ReadOnlySpan<float> raw, int batchSize, Span<float> probabilities)
    {
        int classes = Labels.Count;
        probabilities[..(batchSize * EmotionLabels.Count)].Clear();
        for (int b = 0; b < batchSize; b++)
            for (int k = 0; k < classes; k++)
                probabilities[b * EmotionLabels.Count + _labelMap[k]] += raw[b * classes + k];
    }

    public void Dispose() => _session.Dispose();

    private static SessionOptions CreateOptions() => new()
    {
        IntraOpNumThreads = 1,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    private void CheckCount(string value, int expected, string key)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int actual) || actual != expected)
            throw new ModelMetadataException($"model {Source} declares {key} = {value}, this Pipeline has {expected}");
    }
}
