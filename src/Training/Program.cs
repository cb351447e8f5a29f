Console.Error.WriteLine("usage: train | evaluate (not yet implemented)");
return 2;
