#!/usr/bin/env bash
# Stand-in for the Discord ticket bot: about once a second it opens a ticket
# with a first message (psql) and counts it in Redis, like a live bot would
# while someone resets its database. It needs only bash and psql (redis-cli
# is used when present, else RESP over bash's /dev/tcp), so it runs in the
# local test app image and in the official postgres image alike.
#
# Errors (database restarting, being reset, Redis flushed) are logged once
# and the loop carries on. /tmp/healthy appears after the first ticket.
set -u

: "${PGHOST:=db}" "${PGUSER:=bot}" "${PGDATABASE:=discord}" "${REDIS_HOST:=redis}"
: "${REDIS_PORT:=6379}" "${BOT_INTERVAL:=1}"
export PGHOST PGUSER PGDATABASE PGCONNECT_TIMEOUT=2 PGAPPNAME=discord-bot

# Bash as PID 1 gets no default signal handling: exit on TERM/INT ourselves.
# Work runs in the background + `wait` so the trap fires at once.
trap 'echo "bot: stopping"; exit 0' TERM INT

run() { "$@" & wait $!; }

rm -f /tmp/healthy

redis_incr() {
    if command -v redis-cli >/dev/null; then
        redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" INCR "$1" >/dev/null 2>&1
        return
    fi
    (
        exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT" || exit 1
        # shellcheck disable=SC2016  # RESP length prefixes, not expansions
        printf '*2\r\n$4\r\nINCR\r\n$%d\r\n%s\r\n' "${#1}" "$1" >&3
        IFS= read -r -t 2 reply <&3 && [[ $reply == :* ]]
    ) 2>/dev/null
}

# One ticket on the first server from one of its members, with a message.
read -r -d '' SQL <<'EOF'
WITH s AS (SELECT id FROM servers ORDER BY id LIMIT 1),
     u AS (SELECT id FROM discord_users WHERE NOT is_bot ORDER BY random() LIMIT 1),
     t AS (
        INSERT INTO tickets (server_id, category_id, creator_id, subject, status)
        SELECT s.id,
               (SELECT c.id FROM ticket_categories c WHERE c.server_id = s.id ORDER BY random() LIMIT 1),
               u.id, 'Live ticket ' || to_char(now(), 'HH24:MI:SS'), 'open'
        FROM s, u
        RETURNING id, creator_id)
INSERT INTO ticket_messages (ticket_id, author_id, content)
SELECT id, creator_id, 'Hello, I need help (ticket ' || id || ')' FROM t
RETURNING ticket_id;
EOF

echo "bot: started (db $PGHOST/$PGDATABASE as $PGUSER, redis $REDIS_HOST:$REDIS_PORT)"
state=
while :; do
    # Output to a file, not $(...): a command substitution would hold the
    # TERM trap until psql returns.
    if run psql -X -q -At -v ON_ERROR_STOP=1 -c "$SQL" >/tmp/last-ticket 2>/dev/null \
        && id=$(</tmp/last-ticket) && [[ -n $id ]]; then
        [[ -f /tmp/healthy ]] || touch /tmp/healthy
        [[ $state == ok ]] || echo "bot: writing tickets (ticket $id)"
        state=ok
        run redis_incr tickets:created || echo "bot: redis INCR failed"
    else
        [[ $state == down ]] || echo "bot: database unavailable, retrying"
        state=down
    fi
    run sleep "$BOT_INTERVAL"
done
