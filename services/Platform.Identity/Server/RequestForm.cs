using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.AspNetCore.OpenIddictServerAspNetCoreHandlerFilters;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Platform.Identity.Server;

/// <summary>
/// The form of a POST to an OpenIddict endpoint, read before OpenIddict reads it. ASP.NET Core throws
/// <see cref="InvalidDataException"/> for a form it refuses (a value over 4 MB, over 1,024 fields, a control
/// character such as <c>%00</c>); OpenIddict does not catch it, so a client could turn a malformed body into a
/// 500. Read here first, it becomes an <c>invalid_request</c> answer; read well, it is cached for OpenIddict.
/// </summary>
public static class RequestForm
{
    public sealed class RejectUnreadable : IOpenIddictServerHandler<ProcessRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessRequestContext>()
                .AddFilter<RequireHttpRequest>()
                .UseSingletonHandler<RejectUnreadable>()
                // After the endpoint is known, before any endpoint extracts its request from the form.
                .SetOrder(OpenIddictServerAspNetCoreHandlers.ValidateHostHeader.Descriptor.Order + 1_000)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public async ValueTask HandleAsync(ProcessRequestContext context)
        {
            ArgumentNullException.ThrowIfNull(context);

            var request = context.Transaction.GetHttpRequest();
            if (context.EndpointType == OpenIddictServerEndpointType.Unknown || request is null
                || !HttpMethods.IsPost(request.Method)
                || !MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
                || !contentType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            try
            {
                await request.ReadFormAsync(request.HttpContext.RequestAborted);
            }
            catch (InvalidDataException)
            {
                context.Reject(
                    error: Errors.InvalidRequest,
                    description: "The request body is not a form this server accepts: it is too large, has too many parameters, or holds invalid characters.");
            }
        }
    }
}
