# shellcheck shell=bash
# ./platform clients|users|scopes|grants|tokens|audit: the administration CLI (tools/Platform.Cli), run against
# the Platform of this state folder. Sourced by ./platform, which defines warn, show_tail, ROOT, STATE_DIR,
# CONFIGURATION and TARGET_FRAMEWORK.

CLI_PROJECT="$ROOT/tools/Platform.Cli"

# Builds the CLI in Release (like the services) when it is missing or older than its sources. Everything it
# says goes to stderr: stdout belongs to the command (a script may parse its --json).
ensure_cli() { # dll
  local dll=$1 log
  if [[ -f $dll && -z $(find "$CLI_PROJECT" \( -name '*.cs' -o -name '*.csproj' \) -not -path '*/obj/*' -not -path '*/bin/*' -newer "$dll" -print -quit) ]]; then
    return 0
  fi
  log="$(mktemp "${TMPDIR:-/tmp}/platform-cli-build.XXXXXX")"
  printf '==> building tools/Platform.Cli (%s)\n' "$CONFIGURATION" >&2
  if ! DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
      dotnet build "$CLI_PROJECT/Platform.Cli.csproj" -c "$CONFIGURATION" -nologo -v quiet >"$log" 2>&1 9>&-; then
    show_tail "$log" 30
    warn "building tools/Platform.Cli failed; the full output is in $log."
    exit 2
  fi
  rm -f -- "$log"
}

cmd_cli() { # command [args...]
  local dll="$CLI_PROJECT/bin/$CONFIGURATION/$TARGET_FRAMEWORK/Platform.Cli.dll"
  ensure_cli "$dll"
  # The CLI reads PLATFORM_ISSUER and the admin client from the environment, else from this folder's demo.env.
  PLATFORM_STATE_DIR="$STATE_DIR" DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 exec dotnet "$dll" "$@" 9>&-
}
