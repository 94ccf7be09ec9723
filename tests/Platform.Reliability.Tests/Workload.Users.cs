using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Platform.Reliability.Tests;

/// <summary>
/// The user loop: a user signs in to a web application and the application uses its token family, as a browser and
/// a confidential client would, over plain HTTP (the sign-in form posted with its antiforgery field, no browser):
/// <list type="number">
/// <item>authorization code with PKCE (S256): <c>/connect/authorize</c>, the sign-in form, back to authorize, the code
/// at the callback, redeemed for an access and a refresh token (<c>offline_access</c>);</item>
/// <item>the refresh token used <see cref="RefreshesPerFamily"/> times: each use must rotate it (a new refresh token;
/// the one presented introspects inactive), each new access token introspects active at the API;</item>
/// <item>the newest refresh token revoked by its client (RFC 7009): every token of the family (the access tokens of
/// every rotation too, §2.1) introspected until inactive;</item>
/// <item>the first refresh token, redeemed longer ago than the reuse leeway, presented again: refused
/// (<c>invalid_grant</c>), and OpenIddict's reuse detection revokes every token of the grant; every token of the family
/// must then introspect inactive (the family check).</item>
/// </list>
/// A step that gets no 200 (a fault) ends the round there; the family it leaves is still the invariants' business.
/// </summary>
public sealed partial class Workload
{
    /// <summary>Refresh-token uses per family before it is revoked and replayed.</summary>
    public const int RefreshesPerFamily = 3;

    private readonly ConcurrentBag<double> familyDelays = [];
    private readonly ConcurrentBag<string> familyTokens = [];
    private int signIns;
    private int refreshes;
    private int familiesChecked;
    private int familyTokensStillActive;
    private int rotationsMissed;
    private int replaysAccepted;

    /// <summary>The web application and user of the user loop; no user loop when null.</summary>
    public SignInParty? SignIns { get; init; }

    /// <summary>Every token of the families the user loop ended (revoked by reuse detection), to check afterwards.</summary>
    public IReadOnlyCollection<string> FamilyTokens => familyTokens;

    private UserLoopFigures UserFigures => new(
        SignIns: signIns,
        Refreshes: refreshes,
        FamiliesChecked: familiesChecked,
        FamilyTokensChecked: familyTokens.Count,
        FamilyTokensStillActive: familyTokensStillActive,
        RotationsMissed: rotationsMissed,
        ReplaysAccepted: replaysAccepted,
        FamilyRevocation: DelayStats.Of(familyDelays));

    private async Task UserRoundAsync(HttpClient http)
    {
        var party = SignIns!;
        var tokenEndpoint = new Uri(TokenService, "connect/token");
        if (await SignInAsync(party) is not { } code)
        {
            return;
        }

        var (redeemed, tokens) = await SendAsync(http, tokenEndpoint, party.Client, new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code.Code, ["redirect_uri"] = party.RedirectUri, ["code_verifier"] = code.Verifier,
        });
        if (redeemed != 200 || tokens is not { } first)
        {
            return;
        }

        var family = new List<string> { first.GetProperty("access_token").GetString()!, first.GetProperty("refresh_token").GetString()! };
        var firstRefresh = family[1];
        var current = firstRefresh;
        var firstRedeemed = Stopwatch.StartNew();
        for (var use = 1; use <= RefreshesPerFamily; use++)
        {
            var (status, answer) = await SendAsync(http, tokenEndpoint, party.Client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = current });
            if (status != 200 || answer is not { } refreshed)
            {
                return;
            }

            Interlocked.Increment(ref refreshes);
            if (use == 1)
            {
                firstRedeemed.Restart();
            }

            var access = refreshed.GetProperty("access_token").GetString()!;
            family.Add(access);
            var (_, atApi) = await IntrospectAsync(http, access);
            if (atApi is { } apiView && !apiView.GetProperty("active").GetBoolean())
            {
                unexpected.Add("a refreshed access token introspected inactive at the API");
            }

            if (!refreshed.TryGetProperty("refresh_token", out var next) || next.GetString() is not { } rotated)
            {
                Interlocked.Increment(ref rotationsMissed);
                unexpected.Add("a refresh answered without a new refresh token: rotation is off");
                return;
            }

            family.Add(rotated);
            // Its redemption reaches introspection as its revocation does (a replica not sent it yet answers active).
            if (await StillActiveAfterBoundAsync(http, [current], party.Client) > 0)
            {
                Interlocked.Increment(ref rotationsMissed);
                unexpected.Add($"a refresh token still active {PropagationBound} after it was rotated");
            }

            current = rotated;
        }

        // The client signs the user out of it: RFC 7009 revocation of the refresh token it holds.
        var (revokedStatus, _) = await SendAsync(http, new Uri(TokenService, "connect/revoke"), party.Client,
            new() { ["token"] = current, ["token_type_hint"] = "refresh_token" });
        if (revokedStatus != 200)
        {
            return;
        }

        // RFC 7009 §2.1: the access tokens of the sign-in go with its refresh token, not only the token presented.
        if (await StillActiveAfterBoundAsync(http, family, cluster.Admin) is > 0 and var revokedActive)
        {
            Interlocked.Add(ref familyTokensStillActive, revokedActive);
            unexpected.Add($"{revokedActive} token(s) of a sign-in whose refresh token its client revoked still active after {PropagationBound}");
            return;
        }

        // Reuse detection: the first refresh token, redeemed longer ago than the leeway, comes back (a stolen copy).
        // The leeway is a rule of time, so this waits for the time itself.
        var leeway = ReliabilityFixture.RefreshTokenReuseLeeway + TimeSpan.FromMilliseconds(250);
        if (firstRedeemed.Elapsed < leeway)
        {
            await Task.Delay(leeway - firstRedeemed.Elapsed, CancellationToken.None);
        }

        var (replayed, _) = await SendAsync(http, tokenEndpoint, party.Client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = firstRefresh });
        if (replayed == 200)
        {
            Interlocked.Increment(ref replaysAccepted);
            unexpected.Add("a refresh token replayed past the reuse leeway was accepted");
            return;
        }

        if (replayed != 400)
        {
            return; // no answer or a server error: whether the cascade committed is unknown
        }

        var clock = Stopwatch.StartNew();
        foreach (var token in family)
        {
            familyTokens.Add(token);
        }

        if (await StillActiveAfterBoundAsync(http, family, cluster.Admin) is > 0 and var stillActive)
        {
            Interlocked.Add(ref familyTokensStillActive, stillActive);
            unexpected.Add($"{stillActive} token(s) of a family revoked by reuse detection still active after {PropagationBound}");
        }
        else
        {
            familyDelays.Add(clock.Elapsed.TotalMilliseconds);
        }

        Interlocked.Increment(ref familiesChecked);
    }

    /// <summary>
    /// The browser's part: <c>/connect/authorize</c>, the sign-in form it redirects to, back to authorize with the
    /// session, which redirects to the callback with the code. Null when a step did not answer as it should.
    /// </summary>
    private async Task<(string Code, string Verifier)?> SignInAsync(SignInParty party)
    {
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = cluster.Issuer, Timeout = TimeSpan.FromSeconds(20),
        };
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var state = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        var authorize = QueryHelpers.AddQueryString("connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = party.ClientId, ["response_type"] = "code", ["scope"] = SignInParty.Scopes, ["redirect_uri"] = party.RedirectUri,
            ["state"] = state, ["code_challenge"] = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))), ["code_challenge_method"] = "S256",
        });
        try
        {
            if (await RedirectAsync(browser, new Uri(authorize, UriKind.Relative)) is not { } toLogin
                || QueryHelpers.ParseQuery(toLogin.Query).GetValueOrDefault("ReturnUrl").ToString() is not { Length: > 0 } returnUrl)
            {
                return null;
            }

            using var signedIn = await SignInForm.PostAsync(browser, party.UserName, party.Password, returnUrl);
            Count((int)signedIn.StatusCode);
            if (!SignInForm.SignedIn(signedIn) || signedIn.Headers.Location is not { } back)
            {
                if (signedIn.StatusCode == HttpStatusCode.OK)
                {
                    unexpected.Add("the workload's user was refused at the sign-in form");
                }

                return null;
            }

            Interlocked.Increment(ref signIns);
            if (await RedirectAsync(browser, back) is not { } callback || !callback.AbsoluteUri.StartsWith(party.RedirectUri, StringComparison.Ordinal))
            {
                return null;
            }

            var query = QueryHelpers.ParseQuery(callback.Query);
            if (query.GetValueOrDefault("state").ToString() != state || query.GetValueOrDefault("code").ToString() is not { Length: > 0 } code)
            {
                unexpected.Add($"the callback came without a code or with another state: {callback.GetLeftPart(UriPartial.Path)}");
                return null;
            }

            return (code, verifier);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            Count(0);
            return null;
        }
        catch (InvalidOperationException exception)
        {
            unexpected.Add(exception.Message);
            return null;
        }
    }

    /// <summary>A GET the browser makes; the redirect's target, absolute, or null when it answered otherwise.</summary>
    private async Task<Uri?> RedirectAsync(HttpClient browser, Uri address)
    {
        using var answer = await browser.GetAsync(address);
        Count((int)answer.StatusCode);
        if (answer.StatusCode == HttpStatusCode.InternalServerError)
        {
            unexpected.Add($"500 from {new Uri(cluster.Issuer, address).AbsolutePath}");
        }

        return answer.StatusCode is HttpStatusCode.Found or HttpStatusCode.Redirect or HttpStatusCode.SeeOther && answer.Headers.Location is { } location
            ? new Uri(cluster.Issuer, location)
            : null;
    }

    /// <summary>Introspects each token as <paramref name="caller"/> until it is inactive; how many stayed active past the bound.</summary>
    private async Task<int> StillActiveAfterBoundAsync(HttpClient http, IReadOnlyList<string> tokens, (string Id, string Secret) caller)
    {
        var clock = Stopwatch.StartNew();
        var stillActive = 0;
        foreach (var token in tokens)
        {
            while (true)
            {
                var (status, answer) = await IntrospectAsync(http, token, caller);
                if (status == 200 && answer?.GetProperty("active").GetBoolean() == false)
                {
                    break;
                }

                if (clock.Elapsed > PropagationBound)
                {
                    stillActive++;
                    break;
                }

                await Task.Delay(status == 200 ? 10 : 200, CancellationToken.None);
            }
        }

        return stillActive;
    }
}

/// <summary>What the user loop did: sign-ins, refreshes, families ended and checked, and what went wrong with them.</summary>
/// <param name="FamiliesChecked">Families ended by a replay the token endpoint refused, whose tokens were then all checked at introspection.</param>
/// <param name="FamilyTokensStillActive">Tokens of such families still active after the propagation bound.</param>
/// <param name="RotationsMissed">Refreshes that gave no new refresh token, or left the one presented active past the propagation bound.</param>
/// <param name="ReplaysAccepted">Replays of a refresh token past the reuse leeway that got tokens.</param>
/// <param name="FamilyRevocation">Refused replay → every token of the family inactive at introspection, in milliseconds.</param>
public sealed record UserLoopFigures(
    int SignIns, int Refreshes, int FamiliesChecked, int FamilyTokensChecked, int FamilyTokensStillActive, int RotationsMissed,
    int ReplaysAccepted, DelayStats FamilyRevocation);
