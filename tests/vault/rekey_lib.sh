# rekey_lib.sh — what both rekey tests (the embedded store's and
# PostgreSQL's) do around a rekey. Needs $V, $R, $TMP and REKEY_SECRETS (the
# secret names); sourced after tests/lib.sh.

# Three versions of each secret in main and in prod; the value names the
# secret, environment and version.
rekey_seed() {
	local env s n
	for env in main prod; do
		for s in $REKEY_SECRETS; do
			for n in 1 2 3; do
				echo "needle-$s-$env-v$n" | $V secret create "$s" -e "$env" V=- --force >/dev/null
			done
		done
	done
}

# Every secret launches with its newest value.
values_ok() {
	local env s got
	for env in main prod; do
		for s in $REKEY_SECRETS; do
			got=$($R -e "$env" --secret "$s" -- sh -c 'printf %s "$V"') || return 1
			[ "$got" = "needle-$s-$env-v3" ] || { echo "$s/$env: '$got'" >&2; return 1; }
		done
	done
}

# Launches in a loop in the background until launches_stop: each success is
# a line of $TMP/launches, each failure one of $TMP/fails.
launches_start() {
	: >"$TMP/fails"
	rm -f "$TMP/stop"
	(
		while [ ! -e "$TMP/stop" ]; do
			got=$($R -e prod --secret c -- sh -c 'printf %s "$V"' 2>>"$TMP/fails") &&
				[ "$got" = needle-c-prod-v3 ] && echo ok >>"$TMP/launches" ||
				echo "launch failed: '$got'" >>"$TMP/fails"
		done
	) &
	launcher_loop=$!
}

launches_stop() {
	touch "$TMP/stop"
	wait "$launcher_loop"
}
