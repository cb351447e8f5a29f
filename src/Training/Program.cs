return VoiceEmotion.Training.TrainingCli.Run(args);
