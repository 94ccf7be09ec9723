#!/usr/bin/env python3
"""Render the figures of one `./platform reliability` run (the JSON lines the reliability tests wrote) as the
figures section of docs/reliability.md, and put it between the section's markers.

    figures.py RESULTS.jsonl DOC "header line" "test summary line"
"""
import json
import sys

BEGIN = "<!-- figures:begin (written by ./platform reliability; do not edit by hand) -->"
END = "<!-- figures:end -->"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


def statuses(workload):
    return " ".join(f"{k}: {v}" for k, v in workload["statuses"].items())


def users_row(name, f):
    """The user loop's figures and the token family invariant of one fault or of the soak; None for older records."""
    u, t = f["workload"].get("users"), f.get("tokenFamilies")
    if u is None or t is None:
        return None
    r = u["familyRevocation"]
    return [name, u["signIns"], u["refreshes"], u["familiesChecked"], f"{u['familyTokensChecked']} / {u['familyTokensStillActive']}",
            f"{r['p50']} / {r['p99']} / {r['max']}", u["rotationsMissed"], u["replaysAccepted"],
            f"{t['families']} / {t['rotations']} / {t['revokedFamilies']}", len(t["violations"]) if not t["violations"] else f"**{len(t['violations'])}**"]


USERS_HEADER = ["", "sign-ins", "refreshes", "families ended and checked", "their tokens checked / still active",
                "family revoked p50 / p99 / max ms", "rotations missed", "replays accepted",
                "families / rotations / revoked (store)", "inconsistent"]


def render(records, header, summary):
    by_kind = {}
    for record in records:
        by_kind.setdefault(record["kind"], []).append(record["figures"])
    out = [f"## Figures of the last run\n\n{header}\n\nTests: {summary}\n"]

    faults = by_kind.get("fault", [])
    if faults:
        out.append("### Faults under the workload\n")
        out.append("Workload: 2 client loops through the gateway, each issuing a client_credentials token, introspecting it, revoking it, "
                   "then introspecting until inactive; and a user loop (below). *Lost* = token events in the store the read model does not reflect after "
                   "recovery; *rebuild = live*: the rebuild from the first event, compared view by view with the live read model. "
                   "*Recover*: from the end of the fault until every relay recorded the newest event it owned then and the read model "
                   "applied it. *Propagation*: revoke answer → first `active:false`, over the whole scenario.\n")
        rows = []
        for f in faults:
            w = f["workload"]
            p = w["propagation"]
            rows.append([
                f"`{f['fault']}`", f["what"], f["faultSeconds"], f["eventsAppended"], f["eventsNotProjected"],
                "yes" if f["rebuildEqual"] else "**no**", f"{f['revokedChecked']} / {f['revokedStillActive']}",
                w["requests"], f"{w['serverErrors']} ({w['internalErrors']})", w["noAnswer"],
                f"{p['p50']} / {p['p99']} / {p['max']}", w["propagationTimeouts"], f["recoverSeconds"],
                "yes" if f["relaysResumed"] else "**no**",
                (f"{f['poisonParked']} of {f['poisonPublished']}" if f["poisonPublished"] else "–"),
            ])
        out.append(table(["fault", "what", "fault s", "events appended", "lost", "rebuild = live", "revoked checked / still active",
                          "requests", "5xx (500)", "no answer", "propagation p50 / p99 / max ms", "propagation > bound",
                          "recover s", "relays resumed", "poison parked"], rows))
        out.append("\nAnswers by status: " + "; ".join(f"`{f['fault']}` {statuses(f['workload'])}" for f in faults) + ".\n")
        users = [row for row in (users_row(f"`{f['fault']}`", f) for f in faults) if row]
        if users:
            out.append("User loop and token families: a user signs in (authorization code + PKCE, the sign-in form posted), the code is "
                       "redeemed for an access and a refresh token, the refresh token is used 3 times (each use must rotate it; each new "
                       "access token introspects active), the last refresh token is revoked by its client (RFC 7009), then the first one "
                       "is replayed past the reuse leeway: refused, and every token of the family must introspect inactive (*family "
                       "revoked*: replay answer → all inactive). Then, from the store and the read model, every family of the client "
                       "(a code and what was issued from it): a token something was issued from was redeemed, one successor per "
                       "redemption (outside the reuse leeway), at most one valid refresh token at a time, nothing active in a revoked "
                       "family (*inconsistent*: families breaking one of these).\n")
            out.append(table(USERS_HEADER, users))
            out.append("")
        total_lost = sum(f["eventsNotProjected"] for f in faults)
        out.append(f"Faults injected: {len(faults)}; events appended during them: {sum(f['eventsAppended'] for f in faults)}; "
                   f"events lost: {total_lost}; requests: {sum(f['workload']['requests'] for f in faults)}, "
                   f"5xx: {sum(f['workload']['serverErrors'] for f in faults)} (500: {sum(f['workload']['internalErrors'] for f in faults)}).\n")

    corpus = by_kind.get("corpus", [])
    for c in corpus:
        out.append("### Bad input and attacks\n")
        out.append(f"Corpus: {c['requests']} requests over {c['endpoints']} endpoint seeds; 5xx: {c['serverErrors']}; redirects: "
                   f"{c['redirects']}, off a registered URI: {c['unsafeRedirects']}; closed without an answer: {c['closedWithoutAnswer']}; "
                   f"timed out: {c['timedOut']}. By status: " + " ".join(f"{k}: {v}" for k, v in c["byStatus"].items()) + ".\n")
        if "latency" in c:
            l = c["latency"]
            slowest = "; ".join(f"{s['name']} {s['milliseconds']} ms ({s['status']})" for s in c.get("slowest", []))
            out.append(f"Corpus latency (16 requests at a time, sent until the answer is read; {l['count']} answered): p50 {l['p50']} ms, "
                       f"p99 {l['p99']} ms, max {l['max']} ms. Bound held: every request answered or closed within the socket's "
                       f"{c['answerBoundSeconds']:g} s timeout, none hung (*timed out* above: {c['timedOut']}). Slowest: {slowest}.\n")
    for b in by_kind.get("brute-force-sign-in", []):
        out.append(f"Sign-in brute force: {b['attempts']} wrong passwords, {b['refusedOrLimited']} refused or limited, let through: "
                   f"{b['letThrough']}; the right password refused while locked out: {'yes' if b['realUserRefusedWhileLocked'] else 'no'}; "
                   f"the real user signed in again {b['realUserSignedInAfterSeconds']} s later (lockout {b['lockoutSeconds']} s in the test).\n")
    for b in by_kind.get("brute-force-client", []):
        out.append(f"Client authentication brute force (limit 2/s): {b['attempts']} wrong secrets, {b['limited']} answered 429, "
                   f"{b['refused']} answered 401, let through: {b['letThrough']}; the real client got a token {b['realClientBackAfterSeconds']} s later.\n")
    for t in by_kind.get("secret-timing", []):
        w, u = t["wrongSecret"], t["unknownClient"]
        repeated = " (each asked again and again, as a guesser would)" if "knownClientFirstLookUp" in t else ""
        out.append(f"Client-secret check at the token service{repeated}, {t['samples']} samples each after 10 warm-up: wrong secret p50 {w['p50']} ms, "
                   f"p99 {w['p99']} ms; unknown client p50 {u['p50']} ms, p99 {u['p99']} ms (reported, not asserted). "
                   f"Error descriptions: " + " / ".join(f'"{d}"' for d in t.get("descriptions", [])) + ".\n")
        if "knownClientFirstLookUp" in t:
            k, f = t["knownClientFirstLookUp"], t["unknownClientFirstLookUp"]
            out.append(f"The same, each id asked once ({k['count']} samples each, a look-up the replica has not cached either way): "
                       f"a client registered a moment before p50 {k['p50']} ms, p99 {k['p99']} ms; an unknown id p50 {f['p50']} ms, p99 {f['p99']} ms.\n")
    for r in by_kind.get("unknown-then-registered", []):
        out.append(f"A client id asked for while unknown, then registered: its token came {r['tokenAfterSeconds']} s after the registration "
                   f"(bound: `Platform:Identity:LookupLifetime`, {r['boundSeconds']:g} s).\n")
    forgeries = by_kind.get("consent-forgery", [])
    if forgeries:
        out.append(f"Consent forgery: {len(forgeries)} attempts (" + "; ".join(f"{f['forgery']}: {f['status']}" for f in forgeries)
                   + f"); codes sent to the application: {sum(f['codes'] for f in forgeries)}; grants made: {sum(f['grants'] for f in forgeries)}; "
                   f"the user's own answer afterwards worked: {'yes' if all(f['realConsentWorked'] for f in forgeries) else '**no**'}.\n")

    for s in by_kind.get("soak", []):
        w = s["workload"]
        p = w["propagation"]
        out.append("### Soak\n")
        out.append(f"{s['seconds']} s at {s['rate']} rounds/s ({w['requests']} requests; {w['serverErrors']} 5xx, {w['noAnswer']} without an answer); "
                   f"faults: {'; '.join(s['faults'])}. Events appended {s['eventsAppended']}, not projected {s['eventsNotProjected']}; "
                   f"rebuild = live: {'yes' if s['rebuildEqual'] else '**no**'}; revoked tokens checked {s['revokedChecked']}, still active "
                   f"{s['revokedStillActive']}; propagation p50 {p['p50']} ms, p99 {p['p99']} ms, max {p['max']} ms.\n")
        row = users_row("soak", s)
        if row:
            out.append("User loop and token families over the soak:\n")
            out.append(table(USERS_HEADER, [row]))
            out.append("")
        out.append(table(["service", "RSS after warm-up MB", "RSS at the end MB", "max MB", "end / after warm-up"],
                         [[m["service"], round(m["afterWarmUpMb"]), round(m["endMb"]), round(m["maxMb"]), m["growth"]] for m in s["memory"]]))
        out.append("")
    if "soak" not in by_kind:
        out.append("### Soak\n\nNot part of this run.\n")
    return "\n".join(out).rstrip() + "\n"


def main():
    results, doc, header, summary = sys.argv[1:5]
    records = [json.loads(line) for line in open(results, encoding="utf-8") if line.strip()]
    section = render(records, header, summary)
    text = open(doc, encoding="utf-8").read()
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text = f"{before}{BEGIN}\n{section}{END}{after}"
    else:
        text = f"{text.rstrip()}\n\n{BEGIN}\n{section}{END}\n"
    open(doc, "w", encoding="utf-8").write(text)
    print(section)


if __name__ == "__main__":
    main()
