# bash completion for slab5. Every answer comes from `slab5 __complete`, which walks the
# same command table that parses the arguments; this adaptor only forwards the words.
_slab5() {
  local line="${COMP_LINE:0:COMP_POINT}"
  local -a words
  read -r -a words <<<"$line"
  [[ -z "$line" || "$line" == *[[:space:]] ]] && words+=("")
  local cur="${words[${#words[@]}-1]}"
  # readline replaces only the text after the last = or : (when COMP_WORDBREAKS has them),
  # so the candidates lose the part of the word before it.
  local breaks="" text strip
  [[ "$COMP_WORDBREAKS" == *=* ]] && breaks+="="
  [[ "$COMP_WORDBREAKS" == *:* ]] && breaks+=":"
  if [[ -n "$breaks" ]]; then text="${cur##*[$breaks]}"; else text="$cur"; fi
  strip="${cur:0:${#cur}-${#text}}"
  local c
  COMPREPLY=()
  while IFS= read -r c; do
    c="${c%%$'\t'*}"
    [[ -n "$c" ]] && COMPREPLY+=("${c#"$strip"}")
  done < <("${words[0]}" __complete -- "${words[@]:1}" 2>/dev/null)
}
complete -o nosort -F _slab5 slab5
