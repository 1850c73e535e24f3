#!/usr/bin/env bash
# Fails when a seam ARCHITECTURE.md declares is crossed: a URL built outside the API client
# (or the server's route declarations), or a handler that reaches the database itself.
set -euo pipefail
cd "$(dirname "$0")/.."
failed=0

# Only `api` builds paths; the server declares its routes in its handlers' attributes.
hits=$(grep -rn '"/v1' src --include='*.rs' | grep -v '^src/api/' | grep -v '^src/site/server/' || true)
if [ -n "$hits" ]; then
  echo "a /v1 path outside src/api (use the typed client in api::operations):"
  echo "$hits"
  failed=1
fi

# Handlers are extract -> op -> JSON: transactions and store calls belong to site/ops.
hits=$(grep -rnE '\.call\(|call_transaction|\.store\(\)|rusqlite' src/site/server --include='*.rs' || true)
if [ -n "$hits" ]; then
  echo "a handler reaches the database (move it into site/ops):"
  echo "$hits"
  failed=1
fi

if [ "$failed" -eq 0 ]; then
  echo "seams: no URL built outside api, no handler touches the database"
fi
exit "$failed"
