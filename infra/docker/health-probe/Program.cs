using Platform.HealthProbe;

return await HealthProbe.RunAsync(args, Console.Error);
