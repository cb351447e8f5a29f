using System.Globalization;

namespace VoiceEmotion.Training;

/// <summary>`--name value` options; repeated names collect; unknown or missing values are usage errors.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public CommandLine(IEnumerable<string> args, HashSet<string> valueOptions, HashSet<string> flagOptions)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string a = list[i];
            if (flagOptions.Contains(a)) { _flags.Add(a); continue; }
            if (!valueOptions.Contains(a)) throw new UsageException($"unknown option '{a}'");
            if (i + 1 >= list.Count || list[i + 1].StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"option '{a}' needs a value");
            if (!_values.TryGetValue(a, out var values)) _values[a] = values = [];
            values.Add(list[++i]);
        }
    }

    public bool Flag(string name) => _flags.Contains(name);

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;

    public string Required(string name) => Get(name) ?? throw new UsageException($"missing required option '{name}'");

    public int Int(string name, int fallback) => Get(name) is { } s
        ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new UsageException($"option '{name}' needs a positive integer, got '{s}'")
        : fallback;

    public float Float(string name, float fallback) => Get(name) is { } s
        ? float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v : throw new UsageException($"option '{name}' needs a number, got '{s}'")
        : fallback;
}

public sealed class UsageException(string message) : Exception(message);
