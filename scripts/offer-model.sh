#!/usr/bin/env bash
# Offer the small English speech model (Vosk), so a first real session hears well instead of
# falling back on PocketSphinx. It never fails: without a network, one line says how to add the
# model by hand. Asks first when run in a terminal; VOICECOACH_SETUP_MODEL=yes pulls without
# asking, =no skips it. VOICECOACH_BIN names the voicecoach command (default: voicecoach).
set -uo pipefail

voicecoach="${VOICECOACH_BIN:-voicecoach}"
model="vosk-model-small-en-us-0.15"
choice="${VOICECOACH_SETUP_MODEL:-ask}"

if "$voicecoach" models list --json 2>/dev/null | grep -q "\"name\": \"$model\""; then
  echo "Speech model $model is already installed."
  exit 0
fi
if [[ $choice == ask ]]; then
  choice=yes
  if [[ -t 0 ]]; then
    read -r -p "Download the small English speech model ($model, about 40 MB) so sessions hear better? [Y/n] " answer || answer=n
    [[ ${answer,,} == n* ]] && choice=no
  fi
fi
if [[ $choice == no ]]; then
  echo "No speech model pulled: sessions use PocketSphinx until you run \`voicecoach models pull\`."
  exit 0
fi
by_hand="sessions use PocketSphinx for now; to add the model by hand, bring $model.zip here (\`voicecoach models list --available\` says where it comes from) and run: voicecoach models add $model.zip"
# The catalogue first, quietly: offline, its error and the way round it are one line.
if ! problem=$("$voicecoach" models list --available --json 2>&1 >/dev/null); then
  problem=${problem##*voicecoach: error: }
  echo "Offline? (${problem%%$'\n'*}): $by_hand"
  exit 0
fi
if "$voicecoach" models pull "$model"; then
  exit 0
fi
echo "The download did not finish: $by_hand"
exit 0
