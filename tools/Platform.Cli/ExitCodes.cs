namespace Platform.Cli;

/// <summary>What the CLI's exit status means; scripts may rely on these and nothing else.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Platform answered no: a validation error (the fields and why are printed), not found, a conflict, refused credentials.</summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong (unknown command, missing argument, bad option value) or the issuer or credentials are not known.</summary>
    public const int Usage = 2;

    /// <summary>Platform cannot be reached: nothing listens at the issuer, a timeout, or the gateway cannot reach a service.</summary>
    public const int Unreachable = 3;
}
