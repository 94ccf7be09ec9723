using Shop.Backend.Activity;
using Shop.Backend.Documents;
using Shop.Backend.SigningIn;
using Shop.Backend.StockSync;
using Shop.Backend.Tokens;

namespace Shop.Backend;

/// <summary>Builds and runs the shop; tests host it in their own process with <see cref="Build"/>.</summary>
public static class ShopHost
{
    public const int ConfigurationErrorExitCode = 78;

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(WebApplication.CreateBuilder(args));
        }
        catch (ShopSettingException exception)
        {
            await Console.Error.WriteLineAsync($"Shop.Backend cannot start. {exception.Message}");
            return ConfigurationErrorExitCode;
        }

        await app.RunAsync();
        return 0;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var settings = ShopSettings.Read(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ActivityLog>();
        builder.Services.AddHttpClient(nameof(PlatformClient));
        builder.Services.AddSingleton<PlatformClient>();
        builder.Services.AddHttpClient<DocumentsApi>(http => http.BaseAddress = settings.DocumentsApi);
        builder.Services.AddTransient<UserCalls>();
        builder.Services.AddSingleton<ServiceToken>();
        builder.Services.AddTransient<StockSyncJob>();
        builder.AddSignIn(settings);

        var app = builder.Build();
        app.UseAuthentication();
        app.MapShopPages();
        app.MapDocumentCalls();
        return app;
    }
}
