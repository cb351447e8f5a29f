using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Pipeline.Datasets;

/// <summary>
/// One labelled recording of a corpus. <see cref="TrainingLabel"/> keeps the corpus's own distinction where it
/// helps training (RAVDESS calm); <see cref="Label"/> is the product label index (calm → neutral, ps → surprised).
/// </summary>
public sealed class DatasetClip(string corpus, string name, string speaker, string trainingLabel, int label, Func<AudioClip> load)
{
    public string Corpus { get; } = corpus;

    /// <summary>File name (or entry path) of the clip.</summary>
    public string Name { get; } = name;

    /// <summary>Speaker id for speaker-independent grouping (RAVDESS actor, TESS OAF/YAF).</summary>
    public string Speaker { get; } = speaker;

    /// <summary>One of <see cref="DatasetLoader.TrainingLabels"/>.</summary>
    public string TrainingLabel { get; } = trainingLabel;

    /// <summary>Index into <see cref="Inference.EmotionLabels.All"/>.</summary>
    public int Label { get; } = label;

    /// <summary>Decodes the clip (mono, its own sample rate). Safe to call from several threads.</summary>
    public AudioClip Load() => load();

    public override string ToString() => $"{Corpus}:{Name} ({Speaker}, {TrainingLabel})";
}
