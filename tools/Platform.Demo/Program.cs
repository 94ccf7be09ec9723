using Platform.Demo;

// ./platform demo runs this with the state folder of the running Platform and the ports for the samples.
var state = Environment.GetEnvironmentVariable("PLATFORM_STATE_DIR") ?? Path.GetFullPath(".platform");
var demoEnv = Path.Combine(state, "demo.env");
if (!File.Exists(demoEnv))
{
    Console.Error.WriteLine($"platform demo: no {demoEnv}: start Platform first (./platform up).");
    return 1;
}

var env = DemoEnvironment.Read(demoEnv);
var options = new DemoOptions(
    new Uri(env.Require("PLATFORM_ISSUER")), env.Require("PLATFORM_ADMIN_CLIENT_ID"), env.Require("PLATFORM_ADMIN_CLIENT_SECRET"),
    env.Require("DEMO_USERNAME"), env.Require("DEMO_PASSWORD"),
    new Uri($"http://127.0.0.1:{DemoEnvironment.Port("DEMO_DOCUMENTS_API_PORT", 5020)}/"),
    new Uri($"http://127.0.0.1:{DemoEnvironment.Port("DEMO_SHOP_PORT", 5021)}/"),
    Path.Combine(state, "shop-data"),
    new DemoSecrets(Path.Combine(state, "demo-clients.env")));

var logs = Path.Combine(state, "logs");
Directory.CreateDirectory(logs);
var console = new DemoConsole(Console.Out);
await using var apps = new SampleProcesses(
    Environment.GetEnvironmentVariable("PLATFORM_REPO_ROOT") ?? Directory.GetCurrentDirectory(),
    Environment.GetEnvironmentVariable("PLATFORM_BUILD_CONFIGURATION") ?? "Release", logs);
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
try
{
    await new DemoStory(options, apps, console).RunAsync(cancellation.Token);
}
catch (DemoException exception)
{
    console.Expect(false, "the demo could not go on", exception.Message);
}
catch (Exception exception) when (exception is TimeoutException or HttpRequestException or Microsoft.Playwright.PlaywrightException or System.Text.Json.JsonException)
{
    console.Expect(false, "the demo could not go on", exception.ToString());
}

console.Summary();
return console.Failures == 0 ? 0 : 1;
