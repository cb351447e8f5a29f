using VoiceEmotion.Training;

try
{
    if (args.Length == 0 || args[0] is "-h" or "--help" or "help" || args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(Commands.Usage);
        return args.Length == 0 ? 2 : 0;
    }
    return args[0] switch
    {
        "train" => Commands.Train(args[1..]),
        "evaluate" => Commands.Evaluate(args[1..]),
        "cv" => Commands.CrossValidate(args[1..]),
        "transfer" => Commands.Transfer(args[1..]),
        _ => throw new UsageException($"unknown command '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(Commands.Usage);
    return 2;
}
catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ArgumentException or InvalidOperationException
                          or VoiceEmotion.Pipeline.Audio.AudioFormatException or VoiceEmotion.Pipeline.Inference.ModelMetadataException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
