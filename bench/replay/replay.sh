# shellcheck shell=bash
# ./platform replay: rebuild the projection's read model from the event store through the gateway
# (POST /admin/projections/rebuild with the seeded admin client), following its progress until done.
# Sourced by ./platform, which defines info, warn, die, DEMO_ENV and ISSUER.

replay_token() { # -> an access token with platform.admin
  curl -fsS -u "$PLATFORM_ADMIN_CLIENT_ID:$PLATFORM_ADMIN_CLIENT_SECRET" -d grant_type=client_credentials -d scope=platform.admin \
    "${REPLAY_ISSUER}connect/token" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

replay_call() { # method -> prints "status body" of /admin/projections/rebuild
  local out status
  out="$(mktemp)"
  status="$(curl -sS -o "$out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $REPLAY_TOKEN" "${REPLAY_ISSUER}admin/projections/rebuild")" || status=000
  printf '%s %s' "$status" "$(cat "$out")"
  rm -f -- "$out"
}

# One progress line from the GET answer: "state|active|line" (python3 is already needed by ./platform test).
replay_line() {
  python3 -c '
import json, sys
p = json.loads(sys.argv[1])
width = 30
pct = p.get("percent", 0.0)
filled = int(width * pct / 100)
eta = p.get("etaSeconds")
eta = "--" if eta is None else ("%dm%02ds" % divmod(int(eta), 60))
line = "[%s%s] %5.1f%%  %d/%d events  %s ev/s  ETA %s  %s" % ("#" * filled, "." * (width - filled), pct,
    p.get("eventsDone", 0), p.get("eventsTotal", 0), format(int(p.get("eventsPerSecond", 0)), ","), eta, p["state"])
if p.get("resumedFrom"):
    line += "  (resumed after sequence %d)" % p["resumedFrom"]
print("%s|%s|%s" % (p["state"], str(p.get("active", False)).lower(), line))
' "$1"
}

replay_report() { # the finished run's consistency check, in words
  python3 -c '
import json, sys
p = json.loads(sys.argv[1])
print("rebuilt %d events in %.1f s (run %d, caught up %d more while running, swapped at sequence %s)" % (
    p["eventsDone"], p.get("elapsedSeconds", 0), p["id"], p.get("caughtUp", 0), p.get("swapSequence")))
c = p.get("consistency") or {}
print("consistency: %s" % ("rebuilt == live" if c.get("equal") else "DIFFERENCES between rebuilt and live"))
for t in c.get("tables", []):
    print("  %-18s rebuilt %7d %s  live %7d %s  %s%s" % (t["table"], t["rebuilt"]["count"], t["rebuilt"]["checksum"][:12],
        t["live"]["count"], t["live"]["checksum"][:12], "equal" if t["equal"] else "%d differ" % t["differing"],
        ("  (%d changed after the swap, not compared)" % t["notCompared"]) if t.get("notCompared") else ""))
    for d in t.get("differences", [])[:10]:
        print("      %s %s" % (d["kind"], d["id"]))
' "$1"
}

cmd_replay() {
  [[ $# -eq 0 ]] || { warn "replay takes no arguments"; exit 2; }
  [[ -f $DEMO_ENV ]] || die "no $DEMO_ENV: start Platform first (./platform up)."
  command -v python3 >/dev/null || die "python3 is needed to read the answers; install it (apt-get install python3)."
  # shellcheck disable=SC1090
  source "$DEMO_ENV"
  REPLAY_ISSUER="${PLATFORM_ISSUER:-$ISSUER}"
  REPLAY_TOKEN="$(replay_token)" || die "the gateway at $REPLAY_ISSUER gave the admin client no token; is Platform up (./platform status)?"
  local answer status body parsed state active line token_at=$SECONDS
  answer="$(replay_call POST)"; status="${answer%% *}"; body="${answer#* }"
  case "$status" in
    202) info "rebuild started (run $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$body"))" ;;
    409) info "a rebuild is already running; following it" ;;
    *) die "POST /admin/projections/rebuild answered $status: $body" ;;
  esac
  while true; do
    if ((SECONDS - token_at > 300)); then REPLAY_TOKEN="$(replay_token)" && token_at=$SECONDS; fi
    answer="$(replay_call GET)"; status="${answer%% *}"; body="${answer#* }"
    [[ $status == 200 ]] || die "GET /admin/projections/rebuild answered $status: $body"
    parsed="$(replay_line "$body")"
    state="${parsed%%|*}"; parsed="${parsed#*|}"; active="${parsed%%|*}"; line="${parsed#*|}"
    if [[ -t 1 ]]; then printf '\r\033[K%s' "$line"; else printf '%s\n' "$line"; fi
    case "$state" in
      completed) [[ -t 1 ]] && printf '\n'; replay_report "$body"; return 0 ;;
      failed) [[ -t 1 ]] && printf '\n'; die "the rebuild failed: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("error"))' "$body"); ./platform replay resumes it" ;;
    esac
    if [[ $active == false && $state != completed ]]; then
      [[ -t 1 ]] && printf '\n'
      die "the rebuild is not running any more (its replica stopped?); ./platform replay resumes it from sequence $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["lastSequence"])' "$body")"
    fi
    sleep 0.5
  done
}
