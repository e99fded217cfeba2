# launch_lib.sh — helpers shared by the modal-run black-box scripts, on top of
# tests/lib.sh. Source it after lib.sh.
R=$MODAL_RUN
V=$MODAL_VAULT

# mk NAME ARGS...: a vault secret (values through files or stdin only).
mk() {
	local name=$1
	shift
	"$V" secret create "$name" "$@" >/dev/null
}

# fails CODE MESSAGE CMD...: expect_exit, then the one stderr line starts
# with "modal-run: ", holds no value in $NEEDLES, and nothing ran ($TMP/ran).
NEEDLES=()
fails() {
	local needle line
	rm -f "$TMP/ran"
	expect_exit "$@"
	line=$(head -n 1 "$TMP/err")
	case $line in
	"modal-run: "*) ok "  stderr starts with 'modal-run: '" ;;
	*) not_ok "  stderr does not start with 'modal-run: ': $line" ;;
	esac
	for needle in "${NEEDLES[@]}"; do
		if grep -qF -- "$needle" "$TMP/err" "$TMP/out"; then
			not_ok "  output shows the value '$needle'"
			return
		fi
	done
	if [ -e "$TMP/ran" ]; then not_ok "  the target ran"; fi
}

# same FILE1 FILE2 DESCRIPTION: byte-for-byte equal.
same() {
	if cmp -s "$1" "$2"; then ok "$3"; else not_ok "$3: $(cmp "$1" "$2" 2>&1 | head -c 200)"; fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3: got '$1', want '$2'"; fi
}
