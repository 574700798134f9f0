#!/usr/bin/env bash
# The lint step of the GitHub Action (action.yml at the repository root): lints the paths with this checkout's
# zpol, writes the SARIF log for code scanning (valid also when a file does not parse or the configuration is
# bad), prints GitHub annotations for the pull request, and exits as `zpol lint` does (0 clean, 1 problems at or
# above the fail level, 2 bad usage or configuration). Inputs come as environment variables, never spliced into
# the script: ZPOL_PATHS (space-separated), ZPOL_FAIL_LEVEL, ZPOL_SARIF, ZPOL_CONFIG.
set -uo pipefail
zpol=(node "${GITHUB_ACTION_PATH:?the directory of the action}/bin/run.js")
read -r -a paths <<< "${ZPOL_PATHS:-.}"
flags=(--fail-level "${ZPOL_FAIL_LEVEL:-error}")
[ -n "${ZPOL_CONFIG:-}" ] && flags+=(--config "$ZPOL_CONFIG")
sarif="${ZPOL_SARIF:-zpol.sarif}"

"${zpol[@]}" lint "${paths[@]}" "${flags[@]}" --format sarif > "$sarif"
status=$?
# The same findings as annotations on the pull request's diff (the exit status is the SARIF run's).
"${zpol[@]}" lint "${paths[@]}" "${flags[@]}" --format github 2>/dev/null || true
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
  echo "exit-code=$status" >> "$GITHUB_OUTPUT"
fi
exit "$status"
