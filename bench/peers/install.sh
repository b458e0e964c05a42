#!/usr/bin/env bash
# Installs the peer drivers of `./pincery bench peers` under bench/target/peers (ignored by git):
#   bench/target/peers/node  package.json + *.mjs copied from bench/peers/node, `npm install`ed
#   bench/target/peers/jvm   classes/ and lib/ built by bench/peers/jvm/pom.xml
# Run from anywhere; needs node + npm (the npm registry) and a JDK 21+ with mvn (Maven Central).
# Usage: bench/peers/install.sh [node|jvm]   (both when no argument)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
what="${1:-all}"

if [[ "$what" == all || "$what" == node ]]; then
  dest="$root/bench/target/peers/node"
  mkdir -p "$dest"
  cp "$root"/bench/peers/node/*.mjs "$dest/"
  # npm install only when the pinned versions changed (or nothing is installed yet).
  if ! cmp -s "$root/bench/peers/node/package.json" "$dest/package.json" \
      || [[ ! -d "$dest/node_modules" ]]; then
    cp "$root/bench/peers/node/package.json" "$dest/package.json"
    npm install --prefix "$dest" --no-audit --no-fund --loglevel=error >&2
  fi
fi

if [[ "$what" == all || "$what" == jvm ]]; then
  mvn -B -q -f "$root/bench/peers/jvm/pom.xml" package >&2
fi
