namespace VoiceEmotion.Tests;

/// <summary>Finds the repository (the bundled model) and ../shared/data beside it (absent on a user's machine: tests that
/// need it skip, saying why; scripts/test.sh fails a run with skips when the data is there). Linked into each test
/// project that needs real speech or the bundled model.</summary>
internal static class SharedData
{
    /// <summary>The folder holding VoiceEmotion.sln above the test's binaries, or null.</summary>
    public static string? RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "VoiceEmotion.sln"))) return dir.FullName;
            return null;
        }
    }

    /// <summary>models/emotion.onnx of this repository.</summary>
    public static string BundledModel =>
        Path.Combine(RepositoryRoot ?? throw new InvalidOperationException("repository root (VoiceEmotion.sln) not found"), "models", "emotion.onnx");

    public static string? Ravdess
    {
        get
        {
            if (RepositoryRoot is not { } root) return null;
            string zip = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "ravdess-speech-16k.zip"));
            return File.Exists(zip) ? zip : null;
        }
    }

    public static string RequireRavdess()
    {
        var path = Ravdess;
        Skip.If(path is null, "../shared/data/ravdess-speech-16k.zip is not beside the repository; this test needs real speech");
        return path!;
    }
}
