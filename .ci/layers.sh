#!/usr/bin/env bash
# The layering of docs/architecture.md, checked: nothing below the edges (`http`, `web`,
# `cli`, `startup`, `main`, `telemetry`) names them or actix; no handler or page touches the database (services
# choose their transactions); no file carries more than ~600 lines of non-test code.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
edge='^src/(http/|web/|cli/|startup\.rs|main\.rs|telemetry\.rs|telemetry/)'

below=$(grep -rnE 'crate::(startup|http|web|cli)\b' src --include='*.rs' | grep -vE "$edge" || true)
if [[ -n "$below" ]]; then
    echo "layers: modules below the edge name the edge:" >&2
    echo "$below" >&2
    status=1
fi

actix=$(grep -rn 'actix' src --include='*.rs' | grep -vE "$edge" || true)
if [[ -n "$actix" ]]; then
    echo "layers: the service layer names actix (use tokio or plain types):" >&2
    echo "$actix" >&2
    status=1
fi

handlers=$(grep -rnE 'DbConnection|diesel::|\.db\.|\.db\(\)|\.tx\(|\.audited_read\(|\.transaction\(|\.context\(\)|Context::write' \
    src/http src/web --include='*.rs' || true)
if [[ -n "$handlers" ]]; then
    echo "layers: handlers or pages touch the database instead of calling a service:" >&2
    echo "$handlers" >&2
    status=1
fi

# Non-test lines: everything before the first top-level `#[cfg(test)]`.
while IFS= read -r file; do
    [[ "$file" == src/store/schema.rs ]] && continue
    lines=$(awk '/^#\[cfg\(test\)\]/ { exit } { n++ } END { print n + 0 }' "$file")
    if (( lines > 600 )); then
        echo "layers: $file has $lines lines of non-test code (split it by use case)" >&2
        status=1
    fi
done < <(find src -name '*.rs' | sort)

if (( status == 0 )); then
    echo "layers: ok"
fi
exit $status
