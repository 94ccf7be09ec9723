using System.Net.Sockets;
using Npgsql;

namespace Platform.ServiceDefaults;

/// <summary>
/// Whether an exception means "PostgreSQL cannot serve this now" (down, restarting, refusing connections, out of
/// connections), as opposed to a fault of the request or of the code. Marten and OpenIddict wrap Npgsql's exceptions,
/// so the whole chain of inner exceptions is read.
/// </summary>
public static class DatabaseOutage
{
    /// <summary>What clients are told to wait before they retry, in seconds: about what a restart of PostgreSQL takes.</summary>
    public const int RetryAfterSeconds = 5;

    // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down, in recovery).
    private static readonly string[] ShutdownStates = [PostgresErrorCodes.AdminShutdown, PostgresErrorCodes.CrashShutdown, PostgresErrorCodes.CannotConnectNow];

    /// <summary>
    /// A short description of the outage (the exception type and SQLSTATE, never a message: those may quote SQL or
    /// its parameters) when <paramref name="exception"/> says the database is unavailable, else null.
    /// </summary>
    public static string? Cause(Exception? exception) => Find(exception, depth: 0);

    private static string? Find(Exception? exception, int depth)
    {
        for (; exception is not null && depth < 16; exception = exception.InnerException, depth++)
        {
            switch (exception)
            {
                case PostgresException postgres:
                    return MeansUnavailable(postgres.SqlState) ? $"PostgreSQL {postgres.SqlState}" : null;
                case NpgsqlException { InnerException: (IOException or SocketException or TimeoutException) and var inner }:
                    // Connection refused or cut, the pool exhausted, a connect or command timeout.
                    return $"{nameof(NpgsqlException)} ({inner.GetType().Name})";
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Select(inner => Find(inner, depth + 1)).FirstOrDefault(cause => cause is not null);
            }
        }

        return null;
    }

    // Class 08: connection exception; class 53: insufficient resources (53300 too_many_connections among them).
    private static bool MeansUnavailable(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState.StartsWith("53", StringComparison.Ordinal)
        || ShutdownStates.Contains(sqlState);
}
