#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft, broker+controller) for tests.
# The jars come from Maven Central via scripts/kafka/pom.xml; no Docker needed.
#
#   scripts/kafka.sh fetch                      copy the Kafka jars into $STATE/lib (idempotent)
#   scripts/kafka.sh start [--fresh]            start; stdout: the bootstrap address 127.0.0.1:PORT
#   scripts/kafka.sh stop                       SIGTERM (30 s grace), then SIGKILL; idempotent
#   scripts/kafka.sh pause | resume             SIGSTOP / SIGCONT the broker (fault tests)
#   scripts/kafka.sh topic NAME [PARTITIONS] [TopicCommand args...]   create if missing
#   scripts/kafka.sh status                     stdout: bootstrap, then running/paused/stopped
#   scripts/kafka.sh logs [LINES]               stdout: tail of the broker log
#   scripts/kafka.sh tool CLASS [ARGS...]       run a Kafka tool class on the same classpath
#
# Environment: KAFKA_STATE_DIR (default <repo>/.kafka), KAFKA_PORT, KAFKA_CONTROLLER_PORT,
# KAFKA_HEAP_OPTS (default -Xmx768m -Xms128m), KAFKA_JVM_OPTS (extra JVM flags),
# KAFKA_START_TIMEOUT (90 s), KAFKA_STOP_TIMEOUT (30 s).
# Progress and errors go to stderr; stdout carries only the values documented above.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF_DIR=$SCRIPT_DIR/kafka
POM=$CONF_DIR/pom.xml

STATE=${KAFKA_STATE_DIR:-$SCRIPT_DIR/../.kafka}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
LIB=$STATE/lib
DATA=$STATE/data
LOGS=$STATE/logs
PID_FILE=$STATE/kafka.pid
BOOTSTRAP_FILE=$STATE/bootstrap
PORTS_FILE=$STATE/ports          # "PORT CONTROLLER_PORT" the storage in $DATA was formatted for
SERVER_PROPS=$STATE/server.properties
SERVER_LOG=$LOGS/server.log

START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx768m -Xms128m}

# Print a progress/error message on stderr.
log() { printf 'kafka.sh: %s\n' "$*" >&2; }

# Print an error on stderr and exit non-zero.
die() { log "error: $*"; exit 1; }

# Print the Kafka version pinned in the pom.
kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM"; }

# Print the fingerprint that marks $LIB as fetched from the current pom.
fetch_stamp() { echo "kafka $(kafka_version) pom $(sha256sum "$POM" | cut -c1-16)"; }

# Copy Kafka and its runtime dependencies into $LIB unless the stamp says they are current.
cmd_fetch() {
  local stamp
  stamp=$(fetch_stamp)
  if [[ -f $LIB/.stamp && $(cat "$LIB/.stamp") == "$stamp" ]]; then
    log "jars already in $LIB ($stamp)"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  log "fetching Kafka $(kafka_version) jars into $LIB"
  rm -rf "$LIB.tmp"
  # Debian's Maven 3.8.7 prints stray ANSI resets even with -B -q: strip them.
  mvn -B -q -f "$POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIB.tmp" 2>&1 \
    | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2 \
    || die "mvn dependency:copy-dependencies failed"
  echo "$stamp" >"$LIB.tmp/.stamp"
  rm -rf "$LIB"
  mv "$LIB.tmp" "$LIB"
  log "fetched $(find "$LIB" -name '*.jar' | wc -l) jars"
}

# Run a Java main class on the Kafka classpath with quiet (stderr, WARN) logging.
run_java_tool() {
  java -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$CONF_DIR/tools-log4j2.xml" -cp "$LIB/*" "$@"
}

# Print the broker PID if the PID file names a live (non-zombie) Kafka of this state dir.
broker_pid() {
  local pid
  [[ -f $PID_FILE ]] || return 1
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # A recycled PID or a zombie has another (or an empty) command line.
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $SERVER_PROPS" || return 1
  echo "$pid"
}

# Succeed if the process is stopped by SIGSTOP (state T).
is_paused() { [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == T ]]; }

# Succeed if nothing listens on 127.0.0.1:PORT and it can be bound (as the JVM does, SO_REUSEADDR).
port_free() {
  if command -v python3 >/dev/null; then
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
  else
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 1; fi   # something answers
  fi
}

# Print a free TCP port on 127.0.0.1 that differs from $1 (if given).
free_port() {
  local port i
  for i in $(seq 1 50); do
    if command -v python3 >/dev/null; then
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    else
      port=$((20000 + RANDOM % 30000))
    fi
    if [[ $port != "${1:-}" ]] && port_free "$port"; then echo "$port"; return 0; fi
  done
  die "no free port found"
}

# Print a random Kafka cluster id (16 random bytes, URL-safe base64, no padding).
new_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id != -* ]] && { echo "$id"; return; }   # ids starting with '-' confuse CLI parsers
  done
}

# Write $SERVER_PROPS from the template for the given PORT and CONTROLLER_PORT.
render_config() {
  sed -e "s|@PORT@|$1|g" -e "s|@CONTROLLER_PORT@|$2|g" -e "s|@DATA_DIR@|$DATA|g" \
    "$CONF_DIR/server.properties.tmpl" >"$SERVER_PROPS"
}

# Format empty KRaft storage in $DATA for the current $SERVER_PROPS.
format_storage() {
  local id
  id=$(new_cluster_id)
  log "formatting KRaft storage in $DATA (cluster id $id)"
  run_java_tool kafka.tools.StorageTool format -t "$id" -c "$SERVER_PROPS" >&2 \
    || die "formatting storage failed"
}

# Print the last lines of the broker's logs on stderr (for failures).
dump_logs() {
  log "--- tail of $SERVER_LOG ---"
  tail -n "${1:-40}" "$SERVER_LOG" >&2 2>/dev/null || true
  if [[ -s $LOGS/kafka.out ]]; then
    log "--- tail of $LOGS/kafka.out (JVM stdout/stderr) ---"
    tail -n 20 "$LOGS/kafka.out" >&2
  fi
}

# Start the broker (reusing formatted storage and its ports unless --fresh) and print the bootstrap.
cmd_start() {
  local fresh=0 pid port cport old_port old_cport p t0
  case "${1:-}" in
    --fresh) fresh=1 ;;
    "") ;;
    *) die "unknown start option: $1" ;;
  esac

  if (( fresh )); then
    cmd_stop
    log "--fresh: wiping $DATA"
    rm -rf "$DATA" "$PORTS_FILE" "$BOOTSTRAP_FILE"
  elif pid=$(broker_pid); then
    is_paused "$pid" && log "warning: broker $pid is paused (run: $0 resume)"
    log "already running (pid $pid)"
    cat "$BOOTSTRAP_FILE"
    return 0
  fi

  cmd_fetch
  command -v java >/dev/null || die "java not found (Kafka $(kafka_version) needs Java 17+)"
  mkdir -p "$LOGS"

  # Reuse formatted storage only with the ports it was formatted for.
  if [[ -f $DATA/meta.properties && -f $PORTS_FILE ]]; then
    read -r old_port old_cport <"$PORTS_FILE"
    port=${KAFKA_PORT:-$old_port}
    cport=${KAFKA_CONTROLLER_PORT:-$old_cport}
    if [[ $port != "$old_port" || $cport != "$old_cport" ]]; then
      log "ports changed ($old_port/$old_cport -> $port/$cport): wiping $DATA"
      rm -rf "$DATA"
    else
      log "reusing storage in $DATA (ports $port/$cport)"
    fi
  elif [[ -e $DATA ]]; then
    log "incomplete storage in $DATA: wiping it"
    rm -rf "$DATA"
  fi
  if [[ ! -e $DATA ]]; then
    port=${KAFKA_PORT:-$(free_port)}
    cport=${KAFKA_CONTROLLER_PORT:-$(free_port "$port")}
  fi
  [[ $port != "$cport" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ ($port)"
  for p in "$port" "$cport"; do
    port_free "$p" || die "port $p on 127.0.0.1 is in use (for new ports: $0 start --fresh)"
  done

  render_config "$port" "$cport"
  if [[ ! -e $DATA ]]; then
    format_storage
    echo "$port $cport" >"$PORTS_FILE"
  fi

  # Keep the previous run's log next to the new one; the wait below reads only the new one.
  [[ -f $SERVER_LOG ]] && mv -f "$SERVER_LOG" "$SERVER_LOG.1"
  rm -f "$PID_FILE"
  log "starting Kafka $(kafka_version) on 127.0.0.1:$port (controller $cport)"
  # setsid: own session, so the broker survives the caller's terminal and Ctrl-C;
  # the inner bash records its own PID and then execs java, which keeps that PID.
  # shellcheck disable=SC2016,SC2086 # $$ is the inner bash's; the *_OPTS are word lists
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    java $HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
      -Djava.awt.headless=true ${KAFKA_JVM_OPTS:-} \
      -Dkafka.logs.dir="$LOGS" -Dlog4j2.configurationFile="$CONF_DIR/log4j2.xml" \
      -cp "$LIB/*" kafka.Kafka "$SERVER_PROPS" \
    >"$LOGS/kafka.out" 2>&1 </dev/null &

  t0=$SECONDS
  until grep -q 'Kafka Server started' "$SERVER_LOG" 2>/dev/null; do
    if (( SECONDS - t0 >= START_TIMEOUT )); then
      dump_logs 60
      cmd_stop
      die "broker not started after ${START_TIMEOUT}s"
    fi
    if (( SECONDS - t0 >= 3 )) && ! broker_pid >/dev/null; then   # PID file appears at once
      dump_logs 60
      die "broker process exited during startup"
    fi
    sleep 0.2
  done

  echo "127.0.0.1:$port" >"$BOOTSTRAP_FILE"
  log "started (pid $(<"$PID_FILE")) in $((SECONDS - t0))s"
  echo "127.0.0.1:$port"
}

# Stop the broker by its PID: SIGTERM, up to $STOP_TIMEOUT s grace, then SIGKILL.
cmd_stop() {
  local pid i
  if ! pid=$(broker_pid); then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  is_paused "$pid" && kill -CONT "$pid"   # a stopped JVM cannot act on SIGTERM
  log "stopping broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    broker_pid >/dev/null || break
    sleep 0.2
  done
  if broker_pid >/dev/null; then
    log "still alive after ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while broker_pid >/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

# Freeze (SIGSTOP) or thaw (SIGCONT) the running broker.
cmd_signal() {
  local pid
  pid=$(broker_pid) || die "broker not running"
  kill "-$1" "$pid"
  log "sent SIG$1 to broker (pid $pid)"
}

# Create topic NAME with PARTITIONS (default 1) partitions unless it exists; extra args go to TopicCommand.
cmd_topic() {
  local name=${1:-} partitions=${2:-1}
  [[ -n $name ]] || die "usage: $0 topic NAME [PARTITIONS] [TopicCommand args...]"
  [[ $partitions =~ ^[0-9]+$ ]] || die "PARTITIONS must be a number, got '$partitions'"
  broker_pid >/dev/null || die "broker not running (run: $0 start)"
  shift $(( $# >= 2 ? 2 : 1 ))
  run_java_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(<"$BOOTSTRAP_FILE")" \
    --create --if-not-exists --topic "$name" --partitions "$partitions" \
    --replication-factor 1 "$@" >&2 || die "creating topic $name failed"
}

# Print the bootstrap address and running/paused/stopped; exit 3 when stopped.
cmd_status() {
  local pid
  if [[ -f $BOOTSTRAP_FILE ]]; then cat "$BOOTSTRAP_FILE"; else echo "none"; fi
  if pid=$(broker_pid); then
    if is_paused "$pid"; then echo "paused pid=$pid"; else echo "running pid=$pid"; fi
  else
    echo "stopped"
    return 3
  fi
}

# Print the last LINES (default 100) lines of the broker log.
cmd_logs() {
  [[ -f $SERVER_LOG ]] || die "no broker log at $SERVER_LOG"
  tail -n "${1:-100}" "$SERVER_LOG"
}

# Run any Kafka class (e.g. org.apache.kafka.tools.ConsoleProducer) on the broker's classpath.
cmd_tool() {
  [[ $# -ge 1 ]] || die "usage: $0 tool CLASS [ARGS...]"
  [[ -f $LIB/.stamp ]] || die "no jars (run: $0 fetch)"
  run_java_tool "$@"
}

# Print the usage text (the header comment of this file) on stderr.
usage() { sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2; }

# Dispatch the subcommand.
main() {
  local cmd=${1:-}
  shift || true
  case "$cmd" in
    fetch) cmd_fetch ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    pause) cmd_signal STOP ;;
    resume) cmd_signal CONT ;;
    topic) cmd_topic "$@" ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    tool) cmd_tool "$@" ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
