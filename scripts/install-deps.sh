#!/usr/bin/env bash
# Installs the Debian packages Cairn needs to build, test and benchmark. Idempotent: when every
# package is already present it does nothing (no network); otherwise it runs `apt-get update`
# once and installs what is missing. Must run as root on a bare machine (CI) or via sudo.
set -euo pipefail

packages=(
  g++ make cmake pkg-config
  libboost-dev libboost-system-dev
  libsqlite3-dev sqlite3
  nlohmann-json3-dev libfmt-dev doctest-dev
  clang libclang-rt-14-dev
  curl procps
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
