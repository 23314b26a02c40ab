# bash completion for dockreset(1)                       -*- shell-script -*-
#
# Installed as share/bash-completion/completions/dockreset (`make install`),
# or sourced from ~/.bashrc. Needs nothing but bash; jq or python3 reads
# dockreset's JSON.
#
# Commands and each command's options come from the binary being completed
# (`dockreset --help`, `dockreset help COMMAND`), so they always match it.
# Target names come from `dockreset targets --json`, or, when that cannot
# answer (no Docker), from the configuration file itself, found as
# dockreset finds it (-c FILE, $DOCKRESET_CONFIG, dockreset.json here or in
# the nearest parent). Backup ids (restore, verify) from `dockreset backups
# TARGET --json`, snapshot names (rollback, snapshot --delete/--force) from
# `dockreset snapshots TARGET --json`, seed profiles (seed, reset --seed)
# from the configuration.

# _dockreset_json EXPR: reads JSON on stdin and prints what the jq
# expression EXPR yields, one a line (only the few forms used below are
# understood without jq: .K[].F, .K | keys, .targets[T].seeds | keys).
_dockreset_json()
{
    if command -v jq >/dev/null 2>&1; then
        jq -r "$1 // empty" 2>/dev/null
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c '
import json, re, sys
expr = sys.argv[1]
try:
    d = json.load(sys.stdin)
    m = re.fullmatch(r"\.(\w+)\[\]\.(\w+)", expr)
    if m:
        out = [x.get(m.group(2)) for x in d.get(m.group(1)) or []]
    else:
        m = re.fullmatch(r"\.targets\[\"([^\"]*)\"\]\.seeds \| keys_unsorted\[\]", expr)
        if m:
            out = list(((d.get("targets") or {}).get(m.group(1)) or {}).get("seeds") or {})
        else:
            m = re.fullmatch(r"\.(\w+) \| keys_unsorted\[\]", expr)
            out = list(d.get(m.group(1)) or {}) if m else []
    for x in out:
        if isinstance(x, str):
            print(x)
except Exception:
    pass
' "$1" 2>/dev/null
    fi
}

# _dockreset_config: the configuration file dockreset would read.
_dockreset_config()
{
    local d
    if [[ -n ${_dockreset_cfg-} ]]; then
        printf '%s\n' "${_dockreset_cfg/#\~/$HOME}"
        return
    fi
    if [[ -n ${DOCKRESET_CONFIG-} ]]; then
        printf '%s\n' "$DOCKRESET_CONFIG"
        return
    fi
    d=$PWD
    while :; do
        if [[ -f $d/dockreset.json ]]; then
            printf '%s\n' "$d/dockreset.json"
            return
        fi
        [[ -z $d || $d == / ]] && return
        d=${d%/*}
        [[ -z $d ]] && d=/
    done
}

# _dockreset_run ARGS...: the binary being completed, with the -c and -H
# given on the command line; stderr and stdin closed off.
_dockreset_run()
{
    local -a pre=()
    [[ -n ${_dockreset_cfg-} ]] && pre+=(--config "${_dockreset_cfg/#\~/$HOME}")
    [[ -n ${_dockreset_host-} ]] && pre+=(--host "$_dockreset_host")
    "$_dockreset_bin" "${pre[@]}" "$@" </dev/null 2>/dev/null
}

_dockreset_targets()
{
    local names cfg
    names=$(_dockreset_run targets --json | _dockreset_json '.targets[].name')
    if [[ -z $names ]]; then
        cfg=$(_dockreset_config)
        [[ -n $cfg && -r $cfg ]] && names=$(_dockreset_json '.targets | keys_unsorted[]' <"$cfg")
    fi
    printf '%s\n' "$names"
}

_dockreset_backups()
{
    _dockreset_run backups "$1" --json | _dockreset_json '.backups[].id'
}

_dockreset_snapshots()
{
    _dockreset_run snapshots "$1" --json | _dockreset_json '.snapshots[].name'
}

_dockreset_profiles()
{
    local cfg
    cfg=$(_dockreset_config)
    [[ -n $cfg && -r $cfg && $1 =~ ^[a-z0-9][a-z0-9_.-]*$ ]] || return
    _dockreset_json ".targets[\"$1\"].seeds | keys_unsorted[]" <"$cfg"
}

# _dockreset_help_lines [COMMAND]: the option lines of `dockreset --help`
# or `dockreset help COMMAND` (both "options:" and "global options:").
_dockreset_help_lines()
{
    if [[ -n $1 ]]; then
        "$_dockreset_bin" help "$1" 2>/dev/null
    else
        "$_dockreset_bin" --help 2>/dev/null
    fi | awk '/^(global )?options:$/ { on = 1; next } /^$/ { on = 0 } on'
}

# _dockreset_options [COMMAND]: every option spelling (-y, --yes, ...).
_dockreset_options()
{
    _dockreset_help_lines "$1" | awk '{
        for (i = 1; i <= NF; i++) {
            w = $i; sub(/,$/, "", w)
            if (w ~ /^-/) print w; else break
        }
    }'
}

# _dockreset_value_options [COMMAND]: the options that take a value (their
# help line shows it in capitals: --config FILE).
_dockreset_value_options()
{
    _dockreset_help_lines "$1" | awk '{
        for (i = 1; i <= NF; i++) {
            w = $i; sub(/,$/, "", w)
            if (w !~ /^-/) { if (w ~ /^[A-Z]+$/) print opts; break }
            opts = opts " " w
        }
        opts = ""
    }'
}

# _dockreset_commands: "NAME TARGET" or "NAME -" per command of --help.
_dockreset_commands()
{
    "$_dockreset_bin" --help 2>/dev/null |
        awk '/^commands:$/ { on = 1; next } /^$/ { on = 0 } on { print $1, ($2 == "TARGET" ? "TARGET" : "-") }'
}

_dockreset()
{
    local -a words=()
    local i w cword=0 cur raw_cur eqprefix=""
    local _dockreset_bin _dockreset_cfg="" _dockreset_host=""

    # Join "--opt", "=", "value" back into one word (= is in COMP_WORDBREAKS).
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        if ((i > 0 && ${#words[@]} > 0)) && [[ ${words[-1]} == --* ]] &&
            [[ $w == "=" || (${COMP_WORDS[i - 1]} == "=" && ${words[-1]} == *=) ]]; then
            words[-1]+=$w
        else
            words+=("$w")
        fi
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    cur=${words[cword]}
    raw_cur=${COMP_WORDS[COMP_CWORD]}
    COMPREPLY=()

    _dockreset_bin=${words[0]/#\~/$HOME}
    if [[ $_dockreset_bin != */* ]] || [[ ! -x $_dockreset_bin ]]; then
        _dockreset_bin=$(type -P "${_dockreset_bin##*/}" 2>/dev/null)
        [[ -n $_dockreset_bin ]] || _dockreset_bin=$(type -P dockreset 2>/dev/null)
    fi
    [[ -n $_dockreset_bin ]] || return 0

    # Walk the words before the cursor: the command, the positional
    # arguments after it, and the values of -c and -H.
    local cmd="" needs_target="" value_opts pending="" dashdash=""
    local -a args=() flags=()
    value_opts=" $(_dockreset_value_options "" | tr "\n" " ") "
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -n $pending ]]; then
            case $pending in
            -c | --config) _dockreset_cfg=$w ;;
            -H | --host) _dockreset_host=$w ;;
            esac
            pending=""
            continue
        fi
        if [[ -z $dashdash && $w == -?* ]]; then
            case $w in
            --) dashdash=1 ;;
            --config=*) _dockreset_cfg=${w#*=} ;;
            --host=*) _dockreset_host=${w#*=} ;;
            --*=*) ;;
            *) [[ $value_opts == *" $w "* ]] && pending=$w ;;
            esac
            flags+=("$w")
            continue
        fi
        if [[ -z $cmd ]]; then
            cmd=$w
            value_opts=" $(_dockreset_value_options "$cmd" | tr "\n" " ") "
        else
            args+=("$w")
        fi
    done

    # The value of an option: "--opt VALUE" or "--opt=VALUE".
    local opt="" val
    if [[ -n $pending ]]; then
        opt=$pending val=$cur
    elif [[ $cur == --*=* ]]; then
        opt=${cur%%=*} val=${cur#*=}
        # bash replaces only the word after the "=", or the "=" itself
        [[ $raw_cur == "=" ]] && eqprefix="="
    fi
    if [[ -n $opt ]]; then
        local choices=""
        case $opt in
        -c | --config | --file)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$val")
            return 0
            ;;
        -H | --host) choices="unix:// unix:///var/run/docker.sock" ;;
        --format) choices="custom plain json" ;;
        --strategy) choices="truncate recreate" ;;
        --scope) choices="all reset" ;;
        --mode) choices="replace merge" ;;
        --seed) choices=$(_dockreset_profiles "${args[0]-}") ;;
        *) return 0 ;;
        esac
        mapfile -t COMPREPLY < <(compgen -P "$eqprefix" -W "$choices" -- "$val")
        return 0
    fi

    if [[ -z $dashdash && $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_dockreset_options "$cmd")" -- "$cur")
        return 0
    fi

    if [[ -z $cmd ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_dockreset_commands | awk '{ print $1 }') help" -- "$cur")
        return 0
    fi

    if [[ $cmd == help ]]; then
        ((${#args[@]} == 0)) &&
            mapfile -t COMPREPLY < <(compgen -W "$(_dockreset_commands | awk '{ print $1 }')" -- "$cur")
        return 0
    fi

    needs_target=$(_dockreset_commands | awk -v c="$cmd" '$1 == c { print $2; exit }')
    [[ $needs_target == TARGET ]] || return 0
    if ((${#args[@]} == 0)); then
        mapfile -t COMPREPLY < <(compgen -W "$(_dockreset_targets)" -- "$cur")
        return 0
    fi

    local target=${args[0]} n=${#args[@]} choices="" f
    case $cmd in
    restore) ((n == 1)) && choices="latest $(_dockreset_backups "$target")" ;;
    verify) ((n == 1)) && choices=$(_dockreset_backups "$target") ;;
    rollback) ((n == 1)) && choices=$(_dockreset_snapshots "$target") ;;
    snapshot)
        # a new name is the user's; an existing one for --delete, --force
        for f in "${flags[@]}" "${words[@]:cword+1}"; do
            [[ $f == --delete || $f == --force ]] &&
                ((n == 1)) && choices=$(_dockreset_snapshots "$target")
        done
        ;;
    seed) choices=$(_dockreset_profiles "$target") ;;
    mark) ((n == 1)) && choices="production staging development test none" ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "$choices" -- "$cur")
    return 0
}

complete -F _dockreset dockreset
