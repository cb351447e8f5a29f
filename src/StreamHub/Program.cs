using VoiceEmotion.StreamHub;
using VoiceEmotion.StreamHub.Api;
using VoiceEmotion.StreamHub.Hubs;
using VoiceEmotion.StreamHub.Sessions;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddVoiceEmotion(builder.Configuration);

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapVoiceEmotion();
app.Services.GetRequiredService<ModelHost>(); // load the model at start-up: a missing model fails now, not on the first call
app.Run();

/// <summary>Entry point marker so tests can locate this assembly.</summary>
public partial class Program;
