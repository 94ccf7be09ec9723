using Platform.ServiceDefaults;

namespace Platform.Authorization.DynamicRegistration;

/// <summary>
/// Dynamic client registration (RFC 7591), setting <c>Platform:Registration:Mode</c>: <c>off</c> (default: the
/// endpoint does not exist), <c>open</c> (anyone may register a client that signs users in), <c>protected</c>
/// (an initial access token is required: a bearer access token with the <c>platform.register</c> scope).
/// </summary>
public enum RegistrationMode
{
    Off,
    Open,
    Protected,
}

public static class RegistrationSettings
{
    public const string Key = "Platform:Registration:Mode";

    /// <summary>The scope an initial access token must carry in protected mode.</summary>
    public const string RegisterScope = "platform.register";

    /// <summary>The mode, or a start-up failure naming the setting when it is not one of the three.</summary>
    public static RegistrationMode Read(IConfiguration configuration)
    {
        var value = configuration[Key];
        return value?.Trim().ToLowerInvariant() switch
        {
            null or "" or "off" => RegistrationMode.Off,
            "open" => RegistrationMode.Open,
            "protected" => RegistrationMode.Protected,
            _ => throw new MissingSettingException(Key, "off, open or protected", $"'{value}' is none of them"),
        };
    }
}
