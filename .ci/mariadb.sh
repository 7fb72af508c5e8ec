# A throwaway MariaDB server on 127.0.0.1 for the integration tests; sourced by .ci/run.
#   start_mariadb PORT PASSWORD   -> sets MARIADB_DATA, prints nothing on success
#   stop_mariadb                  -> shuts the server down and removes its files
# Runs as root: the server itself runs as the unprivileged mysql user (Debian mariadb-server).

start_mariadb() {
  local port=$1 password=$2 bin tries
  bin=$(command -v mariadbd || echo /usr/sbin/mariadbd)
  MARIADB_DATA=$(mktemp -d /tmp/migrate-my.XXXXXX)
  MARIADB_SOCKET="$MARIADB_DATA.sock"
  chown mysql:mysql "$MARIADB_DATA"
  mariadb-install-db --user=mysql --datadir="$MARIADB_DATA" --skip-test-db \
    --auth-root-authentication-method=socket >"$MARIADB_DATA.install.log" 2>&1 || {
    cat "$MARIADB_DATA.install.log" >&2
    return 1
  }
  "$bin" --no-defaults --user=mysql --datadir="$MARIADB_DATA" --bind-address=127.0.0.1 \
    --port="$port" --socket="$MARIADB_SOCKET" --pid-file="$MARIADB_DATA/mariadbd.pid" \
    --log-error="$MARIADB_DATA.err" --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci >/dev/null 2>&1 &
  MARIADB_PID=$!
  for tries in $(seq 1 120); do
    if mariadb-admin --no-defaults --socket="$MARIADB_SOCKET" -uroot ping >/dev/null 2>&1; then
      break
    fi
    if ! kill -0 "$MARIADB_PID" 2>/dev/null || [ "$tries" = 120 ]; then
      echo "MariaDB did not start:" >&2
      cat "$MARIADB_DATA.err" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  mariadb --no-defaults --socket="$MARIADB_SOCKET" -uroot <<SQL
CREATE USER 'migrate'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER 'migrate'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'migrate'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'migrate'@'localhost';
SQL
}

stop_mariadb() {
  [ -n "${MARIADB_DATA:-}" ] || return 0
  mariadb-admin --no-defaults --socket="$MARIADB_SOCKET" -uroot shutdown >/dev/null 2>&1 || true
  if [ -n "${MARIADB_PID:-}" ]; then
    wait "$MARIADB_PID" 2>/dev/null || true
  fi
  rm -rf "$MARIADB_DATA" "$MARIADB_DATA.install.log" "$MARIADB_DATA.err" "$MARIADB_SOCKET"
  MARIADB_DATA=
}
