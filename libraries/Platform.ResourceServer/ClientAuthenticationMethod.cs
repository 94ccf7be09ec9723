namespace Platform.ResourceServer;

/// <summary>How the API authenticates to the introspection endpoint as its own client (RFC 6749 §2.3.1).</summary>
public enum ClientAuthenticationMethod
{
    /// <summary><c>client_secret_basic</c>: HTTP Basic with the form-encoded client id and secret (the default).</summary>
    ClientSecretBasic,

    /// <summary><c>client_secret_post</c>: <c>client_id</c> and <c>client_secret</c> in the request body.</summary>
    ClientSecretPost,
}
