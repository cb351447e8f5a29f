using VoiceEmotion.StreamHub;
using VoiceEmotion.StreamHub.Api;
using VoiceEmotion.StreamHub.Hubs;
using VoiceEmotion.StreamHub.Sessions;

// Each connection's transport pipes rent their segments from the shared ArrayPool, which keeps only 32 arrays of a size
// per core by default: with thousands of connections it was mostly allocating them afresh — a third of the hub's garbage
// at 2,000 calls (docs/PERFORMANCE.md "Profile of the 2,000-stream run"). The pool reads this once, at its first use, so
// it is set before anything is built; a value in the environment wins.
const string SharedPoolArrays = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";
if (Environment.GetEnvironmentVariable(SharedPoolArrays) is null) Environment.SetEnvironmentVariable(SharedPoolArrays, "4096");

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddVoiceEmotion(builder.Configuration);
// Without authentication the server is for this machine only: any wider binding is narrowed to localhost.
var auth = builder.Configuration.GetSection(VoiceEmotion.StreamHub.Security.AuthOptions.Section).Get<VoiceEmotion.StreamHub.Security.AuthOptions>() ?? new();
if (!auth.Configured && builder.Configuration["urls"] is { Length: > 0 } urls)
{
    var (local, changed) = VoiceEmotion.StreamHub.Security.AuthSetup.RestrictToLoopback(urls);
    if (changed) Console.Error.WriteLine($"VoiceEmotion: no authentication configured, so binding {local} instead of {urls}");
    builder.WebHost.UseUrls(local);
}

var app = builder.Build();
try
{
    // Every setting is checked before anything starts (each problem names its key and allowed range), not on first use.
    app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
}
catch (Exception e) when (e is Microsoft.Extensions.Options.OptionsValidationException or AggregateException)
{
    var problems = (e is AggregateException a ? a.InnerExceptions : [e]).OfType<Microsoft.Extensions.Options.OptionsValidationException>().SelectMany(v => v.Failures);
    Console.Error.WriteLine("VoiceEmotion: invalid configuration, not starting:");
    foreach (var problem in problems) Console.Error.WriteLine($"  {problem}");
    return 2;
}
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseVoiceEmotion();
app.MapVoiceEmotion();
// Load the model at start-up (a missing model fails now, not on the first call) and warm the hot path before listening.
var warmUp = app.Services.GetRequiredService<ModelHost>().WarmUp();
app.Logger.LogInformation("Warmed up in {Milliseconds:F0} ms", warmUp.TotalMilliseconds);
app.Run();
return 0;

/// <summary>Entry point marker so tests can locate this assembly.</summary>
public partial class Program;
