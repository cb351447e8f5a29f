namespace VoiceEmotion.Pipeline.Inference;

/// <summary>A model file that cannot be used with this Pipeline; the message names the mismatch.</summary>
public sealed class ModelMetadataException(string message) : Exception(message);
