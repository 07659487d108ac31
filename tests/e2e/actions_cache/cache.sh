#!/usr/bin/env bash
# An offline stand-in for actions/cache (restore and save) for act: tarballs in a directory of the host shared
# between runs, $GOBASELINE_E2E_CACHE_STORE (mounted into the job container at the same path). Same inputs
# (path: one per line, key, restore-keys: one per line) and outputs (cache-hit, cache-primary-key,
# cache-matched-key) as actions/cache; the key is matched exactly, then as a prefix, then each restore key as a
# prefix in order, the newest cache of a prefix winning. A key, once saved, is never overwritten.
# Each cache is STORE/<id>.tar, its key in <id>.key and its paths' digest in <id>.version. Only for tests (tests/e2e).
set -euo pipefail

store="${GOBASELINE_E2E_CACHE_STORE:?GOBASELINE_E2E_CACHE_STORE is not set: the cache stand-in needs its store}"
key="${INPUT_KEY:?the key input is required}"

out() { echo "$1=$2" >>"$GITHUB_OUTPUT"; }
journal() { echo "$1 event=${GITHUB_EVENT_NAME:-} ref=${GITHUB_REF:-} $2" >>"$store/journal"; }  # for the tests

paths() {  # the path input, one per line, ~ expanded; prints the existing ones
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] || continue
    case "$line" in "~"*) line="$HOME${line#"~"}" ;; esac
    if [ -e "$line" ]; then echo "$line"; else echo "path not found, not cached: $line" >&2; fi
  done <<<"${INPUT_PATH:-}"
}

digest() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
# Like actions/cache's version, the paths are part of a cache's identity: other paths, another cache.
version="$(digest "${INPUT_PATH:-}")"
cache_id() { digest "$version $1"; }

find_key() {  # the stored key matching $1 exactly, else the newest with $1 as a prefix
  local want="$1" file
  [ -f "$store/$(cache_id "$want").key" ] && { cat "$store/$(cache_id "$want").key"; return 0; }
  # shellcheck disable=SC2012  # names are hex digests
  for file in $(ls -t "$store"/*.key 2>/dev/null); do
    [ "$(cat "${file%.key}.version")" = "$version" ] || continue
    if [[ "$(cat "$file")" == "$want"* ]]; then cat "$file"; return 0; fi
  done
  return 1
}

restore() {
  out cache-primary-key "$key"
  mkdir -p "$store"
  local matched="" candidate
  if ! matched="$(find_key "$key")"; then
    matched=""
    while IFS= read -r candidate || [ -n "$candidate" ]; do
      candidate="${candidate#"${candidate%%[![:space:]]*}"}"
      candidate="${candidate%"${candidate##*[![:space:]]}"}"
      [ -n "$candidate" ] || continue
      if matched="$(find_key "$candidate")"; then break; fi
      matched=""
    done <<<"${INPUT_RESTORE_KEYS:-}"
  fi
  if [ -z "$matched" ]; then
    out cache-hit false
    journal restore "hit=false matched= key=$key"
    echo "Cache not found for input keys: $key${INPUT_RESTORE_KEYS:+, $(echo "$INPUT_RESTORE_KEYS" | paste -sd, -)}"
    return 0
  fi
  tar -xPf "$store/$(cache_id "$matched").tar"
  out cache-matched-key "$matched"
  local hit=false
  [ "$matched" = "$key" ] && hit=true
  out cache-hit "$hit"
  journal restore "hit=$hit matched=$matched key=$key"
  echo "Cache restored from key: $matched ($(tar -tPf "$store/$(cache_id "$matched").tar" | wc -l) entries)"
}

save() {
  mkdir -p "$store"
  local name existing
  name="$(cache_id "$key")"
  if [ -f "$store/$name.key" ]; then
    echo "::warning::Failed to save: cache entry with key $key already exists"
    return 0
  fi
  mapfile -t existing < <(paths)
  if [ "${#existing[@]}" -eq 0 ]; then
    echo "::warning::Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved."
    return 0
  fi
  tar -cPf "$store/$name.tar.tmp" "${existing[@]}"
  mv "$store/$name.tar.tmp" "$store/$name.tar"
  printf '%s' "$version" >"$store/$name.version"
  printf '%s' "$key" >"$store/$name.key"  # last: a cache is found only once complete
  journal save "key=$key"
  echo "Cache saved with key: $key ($(tar -tPf "$store/$name.tar" | wc -l) entries)"
}

"$1"
