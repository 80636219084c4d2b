#!/usr/bin/env bash
# Install the Debian / Ubuntu / Raspberry Pi OS packages voicecoach needs.
#   scripts/system-packages.sh          what running voicecoach needs
#   scripts/system-packages.sh --test   also what the tests need (festival voices, sox, PulseAudio,
#                                       real read speech for the room tests, age to check
#                                       that encrypted exports open with the stock tool, sox's
#                                       MP3 reader to follow the hint for an MP3 answer)
set -euo pipefail

packages=(libportaudio2 espeak-ng)
# `voicecoach models adapt` (PocketSphinx adapted to your voice): SphinxTrain's bw, map_adapt and
# mk_s2sendump, sphinx_fe, pocketsphinx_mdef_convert (about 6 MB)
packages+=(sphinxtrain sphinxbase-utils pocketsphinx)
if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  packages+=(python3-venv python3-pip)
fi
if [[ "${1:-}" == "--test" ]]; then
  packages+=(festival festvox-us-slt-hts festvox-kdlpc16k sox pulseaudio pulseaudio-utils
    libasound2-plugins pocketsphinx-testdata age libsox-fmt-mp3)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if (( ${#missing[@]} == 0 )); then
  exit 0
fi

sudo=""
if [[ "$(id -u)" -ne 0 ]]; then
  sudo="sudo"
fi
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
