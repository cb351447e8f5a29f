namespace VoiceEmotion.Tests;

/// <summary>Finds ../shared/data beside the repository (absent on a user's machine: tests that need it skip, saying why;
/// scripts/test.sh fails a run with skips when the data is there). Linked into each test project that needs real speech.</summary>
internal static class SharedData
{
    public static string? Ravdess
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "VoiceEmotion.sln"))) continue;
                string zip = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "ravdess-speech-16k.zip"));
                return File.Exists(zip) ? zip : null;
            }
            return null;
        }
    }

    public static string RequireRavdess()
    {
        var path = Ravdess;
        Skip.If(path is null, "../shared/data/ravdess-speech-16k.zip is not beside the repository; this test needs real speech");
        return path!;
    }
}
