# fish completion for slab5. Every answer comes from `slab5 __complete`, which walks the
# same command table that parses the arguments; this adaptor only forwards the words.
function __slab5_complete
    set -l tokens (commandline -opc)
    set -l cmd $tokens[1]
    set -e tokens[1]
    set -l cur (commandline -ct)
    $cmd __complete -- $tokens "$cur" 2>/dev/null
end
complete -c slab5 -f -a '(__slab5_complete)'
