using System.Diagnostics;
using System.IO.Compression;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Tests;

namespace VoiceEmotion.Client.Tests;

/// <summary>
/// What an integrator gets: `dotnet pack` makes the package (with XML docs and the README), a console project that knows
/// nothing of this repository restores it from a local folder feed and builds, and it streams to a real hub.
/// </summary>
public sealed class PackageTests
{
    [Fact]
    public async Task ThePackedPackageBuildsAndRunsTheQuickstartAgainstARealHub()
    {
        var root = RepoRoot();
        var work = Directory.CreateTempSubdirectory("ve-pack-");
        try
        {
            string feed = Directory.CreateDirectory(Path.Combine(work.FullName, "feed")).FullName;
            await Dotnet(root, "pack", Path.Combine(root, "clients/dotnet/VoiceEmotion.Client/VoiceEmotion.Client.csproj"), "-c", "Release", "-o", feed, "-p:Version=0.1.0-test");
            string nupkg = Path.Combine(feed, "VoiceEmotion.Client.0.1.0-test.nupkg");
            using (var zip = ZipFile.OpenRead(nupkg))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("lib/net10.0/VoiceEmotion.Client.dll", entries);
                Assert.Contains("lib/net10.0/VoiceEmotion.Client.xml", entries);
                Assert.Contains("README.md", entries);
            }

            // Outside the repository: no Directory.Build.props or central versions apply. Its own packages folder, so a
            // stale copy of this version can never be picked up; the machine's global packages folder serves as an
            // offline mirror for the dependencies, after the local feed, and the user's configured sources stay on.
            string app = Directory.CreateDirectory(Path.Combine(work.FullName, "app")).FullName;
            string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            await File.WriteAllTextAsync(Path.Combine(app, "NuGet.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <config><add key="globalPackagesFolder" value="{Path.Combine(work.FullName, "packages")}" /></config>
                  <packageSources>
                    <add key="local" value="{feed}" />
                    <add key="machine-cache" value="{globalPackages}" />
                  </packageSources>
                </configuration>
                """);
            await File.WriteAllTextAsync(Path.Combine(app, "Quickstart.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="VoiceEmotion.Client" Version="0.1.0-test" />
                  </ItemGroup>
                </Project>
                """);
            File.Copy(Path.Combine(root, "clients/dotnet/samples/Quickstart/Program.cs"), Path.Combine(app, "Program.cs"));
            await Dotnet(app, "build", "-c", "Release", "-o", Path.Combine(app, "out"));

            await using var server = await HubServer.StartAsync();
            string wav = Path.Combine(work.FullName, "call.wav");
            WavWriter.WriteFile(wav, SyntheticVoice.Generate(16000, 2.0, 9), 16000, WavSampleFormat.Pcm16);
            var output = await Dotnet(app, Path.Combine(app, "out", "Quickstart.dll"), server.Address.ToString(), wav, "0");
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(4, lines.Count(l => l.Contains(" s ", StringComparison.Ordinal)));
            Assert.Contains(lines, l => l.StartsWith("summary: 4 updates", StringComparison.Ordinal));
            Assert.Contains("typed error: not_found (404)", lines);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VoiceEmotion.sln"))) return dir.FullName;
        throw new InvalidOperationException("VoiceEmotion.sln not found above the test's folder");
    }

    private static async Task<string> Dotnet(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        string output = await stdout;
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited {process.ExitCode}:\n{output}\n{await stderr}");
        return output;
    }
}
