using System.Globalization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace VoiceEmotion.StreamHub;

/// <summary>An options class that checks its own values, each problem naming the configuration key, the allowed values
/// and what was given (e.g. "CallLog:FlushMilliseconds must be between 10 and 60000, was 0").</summary>
public interface IValidatedOptions
{
    IEnumerable<string?> Problems();
}

/// <summary>
/// Binds options from configuration and validates them when the host starts (<c>ValidateOnStart</c>), so a bad setting
/// stops the server at once with a message naming it instead of surfacing on the first call that reads it.
/// </summary>
public static class OptionsValidation
{
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class, IValidatedOptions
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, Validator<T>>());
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>"key must be between min and max, was value", or null when it is.</summary>
    public static string? Range(string key, double value, double min, double max) =>
        value >= min && value <= max ? null : Invariant($"{key} must be between {min} and {max}, was {value}");

    /// <summary>"key must be set", or null when it is.</summary>
    public static string? Required(string key, string? value) => string.IsNullOrWhiteSpace(value) ? $"{key} must be set" : null;

    public static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed class Validator<T> : IValidateOptions<T> where T : class, IValidatedOptions
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = options.Problems().OfType<string>().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
