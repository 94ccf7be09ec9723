using System.Net.Http.Headers;
using System.Text;

namespace Shop.Backend.Documents;

/// <summary>Sends one request to the documents API with a bearer token; the caller decides what to do with the answer.</summary>
public sealed class DocumentsApi(HttpClient http)
{
    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, string? json, string accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return await ApiAnswer.ReadAsync(response, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            return new ApiAnswer(System.Net.HttpStatusCode.ServiceUnavailable, null, $"the documents API cannot be reached: {exception.Message}", null, null, null);
        }
    }
}
