Console.Error.WriteLine("replay: not yet implemented");
return 2;
