using System.Net.Sockets;
using System.Text;

namespace Platform.Reliability.Tests;

/// <summary>
/// HTTP/1.1 written byte by byte on a socket, so that a request may carry what client libraries refuse to send:
/// CRLF and NUL in a header, invalid UTF-8 in the target, a header of 100 KB.
/// </summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> to 127.0.0.1:<paramref name="port"/>; returns the status (0: the connection closed without one) and headers.</summary>
    public static async Task<RawAnswer> SendAsync(int port, byte[] request, TimeSpan timeout)
    {
        using var client = new TcpClient();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await client.ConnectAsync("127.0.0.1", port, cancellation.Token);
            var stream = client.GetStream();
            try
            {
                await stream.WriteAsync(request, cancellation.Token);
            }
            catch (IOException)
            {
                // The server may answer (431, 413) and close before it read everything: read what it said.
            }

            var received = new MemoryStream();
            var buffer = new byte[16384];
            while (true)
            {
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer, cancellation.Token);
                }
                catch (IOException)
                {
                    break;
                }

                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
                var text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
                if (text.Contains("\r\n\r\n", StringComparison.Ordinal) && Complete(text))
                {
                    break;
                }
            }

            return RawAnswer.Parse(Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length));
        }
        catch (OperationCanceledException)
        {
            return new RawAnswer(-1, null, string.Empty);
        }
        catch (SocketException)
        {
            return new RawAnswer(0, null, string.Empty);
        }
    }

    private static bool Complete(string text)
    {
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = text[..end];
        var length = head.Split("\r\n").FirstOrDefault(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length is not null)
        {
            return text.Length - end - 4 >= int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }

        // Chunked: the last chunk ends the answer.
        return !head.Contains("chunked", StringComparison.OrdinalIgnoreCase) || text.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }
}

/// <param name="Status">The status code; 0 when the server closed without an answer, -1 on a timeout.</param>
/// <param name="Location">The <c>Location</c> header of a redirect.</param>
public sealed record RawAnswer(int Status, string? Location, string Text)
{
    public static RawAnswer Parse(string text)
    {
        if (!text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || text.Length < 12)
        {
            return new RawAnswer(0, null, text);
        }

        var status = int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var location = text[..(end < 0 ? text.Length : end)].Split("\r\n")
            .FirstOrDefault(line => line.StartsWith("Location:", StringComparison.OrdinalIgnoreCase))?["Location:".Length..].Trim();
        return new RawAnswer(status, location, text);
    }
}
