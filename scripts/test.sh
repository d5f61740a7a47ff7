#!/usr/bin/env bash
# `npm test`: everything the suite needs on a fresh Debian machine, then the suite itself.
# The integration tests start real Redis, Kafka (librdkafka's mock cluster via kcat), Prometheus and
# Alertmanager on free ports, and drive the incident console in headless Chromium; they are installed
# here from Debian's packages when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(kcat redis-server prometheus prometheus-alertmanager chromium)
missing=()
for bin in kcat redis-server prometheus promtool prometheus-alertmanager chromium; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if ((${#missing[@]})); then
  echo "Installing test services (missing: ${missing[*]})"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}" ||
    { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"; }
  # The Debian packages start their own daemons; the tests start their own on free ports instead.
  for svc in redis-server prometheus prometheus-alertmanager prometheus-node-exporter; do
    $SUDO systemctl stop "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
  done
fi

npm run check
npx vitest run "$@"
