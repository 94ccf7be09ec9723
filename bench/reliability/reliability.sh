# shellcheck shell=bash
# `./platform reliability`: the full fault suite, bad input and attacks, and the soak (tests/Platform.Reliability.Tests
# with PLATFORM_RELIABILITY_FULL=1), then the figures section of docs/reliability.md rewritten from this run's results.
# Sourced by ./platform. The tests run their own PostgreSQL and RabbitMQ on loopback (they restart and kill them), so
# this needs the Debian packages but not the servers of `./platform servers`.

RELIABILITY_DOC="${RELIABILITY_DOC:-$ROOT/docs/reliability.md}"
RELIABILITY_PROJECT="$ROOT/tests/Platform.Reliability.Tests"

reliability_usage() {
  cat <<EOF
Usage: ./platform reliability [--outage S] [--soak S] [--no-doc]

  Runs tests/Platform.Reliability.Tests in full: every fault under the workload (RabbitMQ stopped for S seconds,
  default 30, and killed; the projection killed, a projection replica killed; PostgreSQL restarted; the token
  service killed; the relay leader of two token replicas killed; a poison message), the bad-input corpus and the
  brute-force, open-redirect and secret-timing tests, and the soak (--soak S seconds, default 600, faults part-way,
  memory of every service sampled). Then rewrites the figures section of docs/reliability.md from this run
  (unless --no-doc). Exit status: that of the tests.
EOF
}

cmd_reliability() {
  local write_doc=1 outage=30 soak=600 rc=0 summary run_dir results started load_before seconds=$SECONDS commit
  while (($#)); do
    case "$1" in
      --outage) outage="${2:?--outage needs seconds}"; shift 2 ;;
      --soak) soak="${2:?--soak needs seconds}"; shift 2 ;;
      --no-doc) write_doc=0; shift ;;
      -h | --help) reliability_usage; return 0 ;;
      *) warn "unknown option '$1'"; reliability_usage >&2; exit 2 ;;
    esac
  done
  [[ $outage =~ ^[0-9]+$ && $soak =~ ^[0-9]+$ ]] || die "--outage and --soak take whole seconds."
  ensure_state_dir
  ( lock_state; ensure_packages --test )
  command -v python3 >/dev/null || die "python3 is needed to write the figures; install it (apt-get install python3)."
  export PLATFORM_REPO_ROOT="$ROOT" PLATFORM_BUILD_CONFIGURATION="$CONFIGURATION"
  build_solution
  run_dir="$STATE_DIR/reliability"
  rm -rf -- "$run_dir"
  mkdir -p -- "$run_dir"
  results="$run_dir/results.jsonl"
  started="$(date -u '+%Y-%m-%d %H:%M UTC')"
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  info "running the reliability suite in full (broker outage ${outage} s, soak ${soak} s; results in $run_dir)"
  PLATFORM_RELIABILITY_FULL=1 PLATFORM_RELIABILITY_RESULTS="$results" PLATFORM_RELIABILITY_OUTAGE_SECONDS="$outage" \
    PLATFORM_RELIABILITY_SOAK_SECONDS="$soak" DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    dotnet test "$RELIABILITY_PROJECT" -c "$CONFIGURATION" --no-build --results-directory "$run_dir" \
    --logger trx --logger "console;verbosity=normal" 9>&- || rc=$?
  summary="$(python3 "$ROOT/infra/local/trx-summary.py" "$run_dir")" || true
  [[ -s $results ]] || die "the tests wrote no figures ($summary); see the output above."
  if ((write_doc)); then
    commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    python3 "$ROOT/bench/reliability/figures.py" "$results" "$RELIABILITY_DOC" \
      "Run $started, \`./platform reliability --outage $outage --soak $soak\`, commit $commit, $(nproc) cores, load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg); $(((SECONDS - seconds) / 60)) min." \
      "$summary" >/dev/null
    info "wrote the figures of this run into $RELIABILITY_DOC"
  fi
  printf '%s\n' "$summary"
  ((rc == 0))
}
