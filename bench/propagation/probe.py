#!/usr/bin/env python3
"""Probe for `./platform bench propagation`: how long a revocation takes to reach introspection.

Each round: issue an access token (client_credentials, the bench client), introspect it until it is active (so the
projection has it, and caches it), revoke it (RFC 7009, POST /connect/revoke at the token service), then, from the
moment the revoke answer arrived, introspect it again and again on one keep-alive connection until the answer is
{"active":false}. Prints one line per round: "ROUND <ms> <polls>", or "ROUND timeout <polls>" after --bound seconds.

Environment (kept out of the command line): BENCH_BASIC (the bench client, base64 id:secret) and
INTROSPECTION_BASIC (demo-api, base64 id:secret).
"""
import argparse
import http.client
import json
import os
import sys
import time
import urllib.parse


def connection(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10), u.path


def post(conn, path, basic, fields):
    body = urllib.parse.urlencode(fields)
    conn.request("POST", path, body, {"Authorization": "Basic " + basic,
                                      "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
    answer = conn.getresponse()
    return answer.status, answer.read()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--token-url", required=True)
    p.add_argument("--revoke-url", required=True)
    p.add_argument("--introspect-url", required=True)
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--bound", type=float, default=5.0)
    a = p.parse_args()
    client, api = os.environ["BENCH_BASIC"], os.environ["INTROSPECTION_BASIC"]
    token_conn, token_path = connection(a.token_url)
    revoke_conn, revoke_path = connection(a.revoke_url)
    intro_conn, intro_path = connection(a.introspect_url)

    for _ in range(a.rounds):
        status, body = post(token_conn, token_path, client, {"grant_type": "client_credentials", "scope": "api"})
        if status != 200:
            sys.exit("token request answered %d: %s" % (status, body[:200]))
        token = json.loads(body)["access_token"]
        deadline = time.monotonic() + a.bound
        while True:
            status, body = post(intro_conn, intro_path, api, {"token": token})
            if status == 200 and json.loads(body).get("active") is True:
                break
            if time.monotonic() > deadline:
                sys.exit("a fresh token never introspected as active: %d %s" % (status, body[:200]))
        status, body = post(revoke_conn, revoke_path, client, {"token": token, "token_type_hint": "access_token"})
        revoked = time.monotonic()
        if status != 200:
            sys.exit("revoke answered %d: %s" % (status, body[:200]))
        polls = 0
        while True:
            status, body = post(intro_conn, intro_path, api, {"token": token})
            polls += 1
            now = time.monotonic()
            if status != 200:
                sys.exit("introspection answered %d: %s" % (status, body[:200]))
            if json.loads(body).get("active") is False:
                print("ROUND %.2f %d" % ((now - revoked) * 1000, polls), flush=True)
                break
            if now - revoked > a.bound:
                print("ROUND timeout %d" % polls, flush=True)
                break


if __name__ == "__main__":
    main()
