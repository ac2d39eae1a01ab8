#!/usr/bin/env bash
# Checks deploy/ where no Docker engine or cluster runs:
#   1. the image's runtime stage: every shared library the worker binary needs comes from a
#      package the runtime image ships (deploy/runtime-packages.txt, Debian 12), and glibc
#      symbol versions stay within Debian 12's;
#   2. the Dockerfile's rules (cached dependency layer, --locked, non-root, config baked in
#      and overridable, HEALTHCHECK), and that the health check command answers as it would
#      in the container, before any broker is reachable;
#   3. the Kubernetes manifests against the Kubernetes API schemas (kubernetes-validate,
#      offline) and deploy/ files against each other and the settings (check_deploy.py).
# Usage: scripts/check-deploy.sh [BINARY]   (default: target/release/news-enricher if built,
#        else target/debug/news-enricher; both link the same libraries)
# Environment: DEPLOY_VENV (default target/deploy-venv): a virtualenv holding
# kubernetes-validate; created from PyPI when missing, and the schema check is skipped with a
# message when that cannot be done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "check-deploy: $*"; }
fail() { echo "check-deploy: FAILED: $*" >&2; exit 1; }

bin=${1:-}
if [[ -z $bin ]]; then
  for candidate in target/release/news-enricher target/debug/news-enricher; do
    if [[ -x $candidate ]]; then bin=$candidate; break; fi
  done
fi
[[ -n $bin && -x $bin ]] || fail "no worker binary (run cargo build first)"
say "binary $bin, $(stat -c %s "$bin") bytes"

# ---- 1. shared libraries vs the runtime image ----
if command -v dpkg >/dev/null && command -v ldd >/dev/null && grep -q '^12\.' /etc/debian_version 2>/dev/null; then
  mapfile -t shipped < <(grep -Ev '^\s*(#|$)' deploy/runtime-packages.txt)
  package_of() {
    local path=$1 real candidate
    real=$(readlink -f "$path")
    for candidate in "$path" "$real" "/usr$path" "/usr$real" "${path#/usr}" "${real#/usr}"; do
      dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1 && return 0
    done
    return 1
  }
  ldd_out=$(ldd "$bin")
  if grep -q 'not found' <<<"$ldd_out"; then fail "unresolved libraries:"$'\n'"$ldd_out"; fi
  while read -r soname path; do
    pkg=$(package_of "$path") || fail "$soname ($path) belongs to no Debian package"
    if printf '%s\n' "${shipped[@]}" | grep -qx "$pkg"; then
      say "  $soname -> $path (package $pkg: in the runtime image)"
    else
      fail "$soname comes from $pkg, which gcr.io/distroless/cc-debian12 does not ship (deploy/runtime-packages.txt)"
    fi
  done < <(awk '/=>/ {print $1, $3} /^[ \t]*\/.*ld-linux/ {print $1, $1}' <<<"$ldd_out")
  glibc=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)
  [[ $(printf '%s\n2.36\n' "$glibc" | sort -V | tail -1) == 2.36 ]] \
    || fail "the binary needs glibc $glibc; Debian 12 has 2.36"
  say "  newest glibc symbol version needed: $glibc (Debian 12: 2.36)"
else
  say "SKIPPED the runtime library check: it needs a Debian 12 host with dpkg and ldd (the image builds on Debian 12)"
fi

# ---- 2. Dockerfile rules and the health check command ----
dockerfile=deploy/Dockerfile
need() { grep -Eq "$1" "$dockerfile" || fail "$dockerfile: $2"; }
need '^FROM rust:[^ ]*bookworm AS build' "the build stage must be Debian 12 (bookworm), as the runtime"
need '^FROM gcr\.io/distroless/cc-debian12' "the runtime stage must be distroless cc-debian12"
[[ $(grep -c 'cargo build --release --locked' "$dockerfile") -ge 2 ]] || fail "$dockerfile: release builds must use --locked"
deps_line=$(grep -n '^COPY Cargo.toml Cargo.lock' "$dockerfile" | cut -d: -f1)
src_line=$(grep -n '^COPY \. \.' "$dockerfile" | cut -d: -f1)
[[ -n $deps_line && -n $src_line && $deps_line -lt $src_line ]] || fail "$dockerfile: dependencies must build in a layer before the sources are copied"
need '^USER 65532' "the runtime must run as the non-root user"
need '^HEALTHCHECK ' "a HEALTHCHECK is required"
need '^COPY config/default.toml /etc/news-enricher/config.toml' "config must be baked in"
need 'NEWS_ENRICHER_CONFIG=/etc/news-enricher/config.toml' "the baked-in config must be the settings file"
say "  $dockerfile: build and runtime on Debian 12, dependency layer first, --locked, non-root, config baked in, HEALTHCHECK"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
probe_env=(env NEWS_ENRICHER_CONFIG=config/default.toml NEWS_ENRICHER__KAFKA__BROKERS=127.0.0.1:9
  NEWS_ENRICHER__HTTP__ADDRESS=127.0.0.1 NEWS_ENRICHER__HTTP__PORT="$port" NEWS_ENRICHER__LOG__FORMAT=json)
"${probe_env[@]}" "$bin" run 2>/dev/null &
worker_pid=$!
stop_worker() { kill "$worker_pid" 2>/dev/null || true; wait "$worker_pid" 2>/dev/null || true; }
trap stop_worker EXIT
live=1
for _ in $(seq 1 100); do
  if "${probe_env[@]}" "$bin" probe livez >/dev/null 2>&1; then live=0; break; fi
  sleep 0.1
done
[[ $live == 0 ]] || fail "'news-enricher probe livez' (the HEALTHCHECK) never succeeded"
if ready=$("${probe_env[@]}" "$bin" probe readyz 2>/dev/null); then
  fail "readyz is true without a broker"
fi
stop_worker
trap - EXIT
say "  HEALTHCHECK 'news-enricher probe livez': exit 0 with no broker reachable; probe readyz: exit 1 ($ready)"

# ---- 3. manifests ----
venv=${DEPLOY_VENV:-target/deploy-venv}
if [[ ! -x $venv/bin/kubernetes-validate ]]; then
  say "installing kubernetes-validate into $venv (PyPI)"
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate==1.37.0; } >&2; then
    rm -rf "$venv"
  fi
fi
if [[ -x $venv/bin/kubernetes-validate ]]; then
  say "kubernetes-validate --strict (Kubernetes $("$venv/bin/kubernetes-validate" --version 2>&1 | tail -1) schemas, offline):"
  "$venv/bin/kubernetes-validate" --strict deploy/k8s/*.yaml 2>&1 | sed 's/^/  /'
  [[ ${PIPESTATUS[0]} == 0 ]] || fail "Kubernetes schema validation"
  say "  (the ScaledObject is a KEDA custom resource with no schema there: check_deploy.py checks its fields)"
  python=$venv/bin/python
else
  say "SKIPPED Kubernetes schema validation: kubernetes-validate is not installed and could not be installed from PyPI"
  python=python3
fi
"$python" scripts/check_deploy.py "$bin"
say "all checks passed"
