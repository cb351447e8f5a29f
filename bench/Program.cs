using BenchmarkDotNet.Running;
using VoiceEmotion.Bench;

if (args.Length > 0 && args[0] == "rtf")
{
    double seconds = 3600;
    string signal = "continuous";
    bool compare = false;
    for (int i = 1; i < args.Length; i++)
    {
        if (args[i] == "--seconds" && i + 1 < args.Length) seconds = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
        else if (args[i] == "--signal" && i + 1 < args.Length) signal = args[++i];
        else if (args[i] == "--compare-nwaves") compare = true;
        else throw new ArgumentException($"unknown rtf option '{args[i]}' (--seconds S, --signal continuous|mixed, --compare-nwaves)");
    }
    return RealTimeFactor.Run(seconds, signal, compare);
}
if (args.Length > 0 && args[0] == "profile") return StageProfile.Run();
BenchmarkSwitcher.FromAssembly(typeof(FeatureBenchmarks).Assembly).Run(args);
return 0;
