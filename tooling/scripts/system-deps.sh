#!/usr/bin/env bash
# Installs the Debian packages the project needs: build deps for headless GL (`gl` compiles
# ANGLE from source), Xvfb + Mesa to give it a display, and Chromium for the end-to-end test.
# Skips what is already installed; needs root (or sudo) and apt-get.
set -euo pipefail
pkgs=(libxi-dev libx11-dev libxext-dev libgl1-mesa-dev libglu1-mesa-dev pkg-config python3 make g++
      xvfb xauth mesa-utils chromium fonts-dejavu-core)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system-deps: all present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "system-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
