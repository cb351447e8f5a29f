using BenchmarkDotNet.Running;
using VoiceEmotion.Bench;

if (args.Length > 0 && args[0] == "rtf")
{
    double seconds = 3600;
    for (int i = 1; i < args.Length - 1; i++)
        if (args[i] == "--seconds") seconds = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
    return RealTimeFactor.Run(seconds);
}
BenchmarkSwitcher.FromAssembly(typeof(FeatureBenchmarks).Assembly).Run(args);
return 0;
