# shellcheck shell=bash
# ./platform demo: the shop-and-documents story against the running Platform (tools/Platform.Demo): registers
# the documents API and the shop, starts both samples, signs the demo user in with a headless browser, and
# checks every step. Sourced by ./platform, which defines info, warn, die, show_tail, ensure_packages,
# require_port_free, ROOT, STATE_DIR, LOG_DIR, DEMO_ENV, CONFIGURATION, TARGET_FRAMEWORK and INSTANCE_MARKER.

cmd_demo() {
  [[ $# -eq 0 ]] || { warn "demo takes no arguments"; exit 2; }
  [[ -f $DEMO_ENV ]] || die "no $DEMO_ENV: start Platform first (./platform up)."
  mkdir -p -- "$LOG_DIR"
  ensure_packages --test   # Debian's chromium, for the headless sign-in
  local log="$LOG_DIR/demo-build.log" documents_port shop_port
  local dll="$ROOT/tools/Platform.Demo/bin/$CONFIGURATION/$TARGET_FRAMEWORK/Platform.Demo.dll"
  info "building the demo and the two samples ($CONFIGURATION, log in $log)"
  if ! DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
      dotnet build "$ROOT/tools/Platform.Demo/Platform.Demo.csproj" -c "$CONFIGURATION" -nologo -v quiet >"$log" 2>&1 9>&-; then
    show_tail "$log" 30
    die "building tools/Platform.Demo failed; see $log."
  fi
  documents_port="${DEMO_DOCUMENTS_API_PORT:-$((PLATFORM_PORT_BASE + 20))}"
  shop_port="${DEMO_SHOP_PORT:-$((PLATFORM_PORT_BASE + 21))}"
  require_port_free "the demo's documents API" "$documents_port"
  require_port_free "the demo's shop" "$shop_port"
  info "the demo: a shop signs a user in and uses an ERP's documents API with Platform's tokens"
  env "$INSTANCE_MARKER" PLATFORM_STATE_DIR="$STATE_DIR" PLATFORM_REPO_ROOT="$ROOT" PLATFORM_BUILD_CONFIGURATION="$CONFIGURATION" \
    DEMO_DOCUMENTS_API_PORT="$documents_port" DEMO_SHOP_PORT="$shop_port" DOTNET_NOLOGO=1 \
    dotnet "$dll" 9>&-
}
