#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# --web.config.file with curl as the client: TLS, minimum TLS version, basic
# auth with bcrypt hashes made by htpasswd, client certificates (good, from
# another CA, expired, without the allowed SAN), extra headers, /debug
# behind the same gate; --user; the connection and request size limits.
. "$(dirname "$0")/lib.sh"
require_kernel
for tool in openssl htpasswd; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (see tests/test-depends)"
done
[ "$FAILURES" -eq 0 ] || finish

# --- certificates ------------------------------------------------------------
P="$TMP/pki"
mkdir -p "$P"
ossl() { openssl "$@" 2>>"$P/openssl.log"; }
# ca NAME: a self-signed CA.
ca() {
	ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=$1" -keyout "$P/$1.key" -out "$P/$1.crt"
}
# leaf CA NAME EKU SAN [STARTDATE ENDDATE]: a certificate signed by CA.
leaf() {
	local ca=$1 name=$2 eku=$3 san=$4
	ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
		-keyout "$P/$name.key" -out "$P/$name.csr"
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$eku" "$san" \
		>"$P/$name.ext"
	if [ $# -gt 4 ]; then
		# openssl 3.0's x509 cannot backdate: `openssl ca` can.
		: >"$P/index.txt"
		printf '[ca]\ndefault_ca=c\n[c]\ndatabase=%s\nnew_certs_dir=%s\nserial=%s\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' \
			"$P/index.txt" "$P" "$P/serial" >"$P/ca.cnf"
		echo 1000 >"$P/serial"
		ossl ca -batch -notext -config "$P/ca.cnf" -cert "$P/$ca.crt" -keyfile "$P/$ca.key" \
			-in "$P/$name.csr" -out "$P/$name.crt" -extfile "$P/$name.ext" \
			-startdate "$5" -enddate "$6"
	else
		ossl x509 -req -in "$P/$name.csr" -CA "$P/$ca.crt" -CAkey "$P/$ca.key" \
			-CAcreateserial -days 30 -extfile "$P/$name.ext" -out "$P/$name.crt"
	fi
}
ca ca
ca otherca
leaf ca server serverAuth "IP:127.0.0.1,DNS:localhost"
leaf otherca server2 serverAuth "IP:127.0.0.1,DNS:localhost"
leaf ca client clientAuth "DNS:prometheus.example"
leaf otherca stranger clientAuth "DNS:prometheus.example"
leaf ca expired clientAuth "DNS:prometheus.example" 20200101000000Z 20200102000000Z
leaf ca serveronly serverAuth "DNS:prometheus.example"
for c in server server2 client stranger expired serveronly; do
	[ -s "$P/$c.crt" ] || { cat "$P/openssl.log"; fail "could not make the $c certificate"; }
done
[ "$FAILURES" -eq 0 ] || finish

HASH_ALICE=$(htpasswd -nbBC 10 alice 'correct horse' | cut -d: -f2-)
HASH_BOB=$(htpasswd -nbBC 5 bob 'b:ttery staple' | cut -d: -f2-)

C="${TAG}c"
netns_add "$C"
NSC=$(netns_inode "$C")

URL() { echo "https://127.0.0.1:$PORT$1"; }
# code PATH CURL-ARGS...: the HTTP status, 000 when there is none.
code() {
	local path=$1
	shift
	curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' --cacert "$P/ca.crt" "$@" \
		"$(URL "$path")" || true
}

# --- TLS and basic auth --------------------------------------------------------
cat >"$TMP/web.yml" <<YAML
# relative paths start at this file's directory
tls_server_config:
  cert_file: pki/server.crt
  key_file: pki/server.key
http_server_config:
  headers:
    X-Content-Type-Options: nosniff
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  alice: $HASH_ALICE
  bob: '$HASH_BOB'
YAML
ready_tls_auth() { curl -fsS -o /dev/null --cacert "$P/ca.crt" -u 'alice:correct horse' "$(URL /metrics)" 2>/dev/null; }
DROPMON_READY=ready_tls_auth
start_dropmon --web.config.file="$TMP/web.yml" --web.enable-debug --debug.burst=100
grep -q "TLS, 2 basic auth users" "$TMP/dropmon.log" && pass "the log says TLS and 2 users" ||
	fail "the log does not say TLS and 2 users: $(cat "$TMP/dropmon.log")"

ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count 13 >/dev/null
SERIES="dropmon_drops_total{reason=\"$(reason NO_SOCKET)\",device=\"lo\",ifindex=\"1\",netns=\"$NSC\",function=\"__udp4_lib_rcv\"}"
expect_eq "alice, right password" 200 "$(code /metrics -u 'alice:correct horse')"
# A drop may still be in a softirq when dropgen is done.
all_13() { code /metrics -u 'alice:correct horse' >/dev/null && [ "$(value "$TMP/body" "$SERIES")" -ge 13 ]; }
wait_for 5 all_13 || true
expect_eq "the drops counted" 13 "$(value "$TMP/body" "$SERIES")"
expect_eq "extra header on 200" 1 "$(grep -ci '^X-Content-Type-Options: nosniff' "$TMP/headers")"
expect_eq "bob (a colon in his password, cost 5)" 200 "$(code /metrics -u 'bob:b:ttery staple')"
nul=$(printf 'bob:b:ttery staple\0junk' | base64 -w0)
expect_eq "bob's password with a NUL byte and more after it" 401 "$(code /metrics -H "Authorization: Basic $nul")"
expect_eq "alice, wrong password" 401 "$(code /metrics -u 'alice:correct horsE')"
expect_eq "asks for basic auth" 1 "$(grep -ci '^WWW-Authenticate: Basic realm="dropmon"' "$TMP/headers")"
expect_eq "extra headers on 401 too" 2 "$(grep -ciE '^(X-Frame-Options: deny|Strict-Transport-Security: max-age=31536000)' "$TMP/headers")"
expect_eq "nothing of the metrics with a 401" 0 "$(grep -c dropmon_ "$TMP/body" || true)"
expect_eq "alice's password for bob" 401 "$(code /metrics -u 'bob:correct horse')"
expect_eq "unknown user" 401 "$(code /metrics -u 'mallory:correct horse')"
expect_eq "no credentials" 401 "$(code /metrics)"
expect_eq "no credentials, landing page" 401 "$(code /)"
expect_eq "no credentials, a POST" 401 "$(code /metrics -X POST)"
expect_eq "no credentials, /debug/drops" 401 "$(code /debug/drops)"
expect_eq "no credentials, /debug/pcap" 401 "$(code /debug/pcap)"
expect_eq "alice, /debug/drops" 200 "$(code '/debug/drops?filter=udp+port+9' -u 'alice:correct horse')"
# Counted at once, the events reach the recent ring through the consumer
# thread a little later.
all_events() {
	code '/debug/drops?filter=udp+port+9' -u 'alice:correct horse' >/dev/null
	lines_at_least 13 "$TMP/body" "netns $NSC\$"
}
wait_for 5 all_events || true
expect_eq "the events of the drops" 13 "$(grep -c "netns $NSC\$" "$TMP/body" || true)"

# Plain HTTP to the TLS port: no answer in HTTP, nothing served.
rc=0
curl -s -o "$TMP/plain" -w '%{http_code}' "http://127.0.0.1:$PORT/metrics" -u 'alice:correct horse' >"$TMP/plain.code" || rc=$?
if [ "$rc" -ne 0 ] && [ "$(cat "$TMP/plain.code")" = 000 ] && ! grep -qs dropmon_ "$TMP/plain"; then
	pass "plain HTTP to the TLS port: refused (curl exit $rc)"
else
	fail "plain HTTP to the TLS port: curl exit $rc, status $(cat "$TMP/plain.code")"
fi
# The certificate is the one configured: curl checked it against our CA.
expect_eq "TLS 1.2 accepted by default" 200 "$(code /metrics -u 'alice:correct horse' --tls-max 1.2)"

# SIGHUP: a new certificate (from the other CA), a new user, a new header.
cp "$TMP/web.yml" "$TMP/web.yml.orig"
HASH_CAROL=$(htpasswd -nbBC 5 carol 'new one' | cut -d: -f2-)
cat >"$TMP/web.yml" <<YAML
tls_server_config:
  cert_file: pki/server2.crt
  key_file: pki/server2.key
http_server_config:
  headers:
    X-Frame-Options: sameorigin
basic_auth_users:
  carol: $HASH_CAROL
YAML
# A 30 s capture of the old generation holds neither the reload nor, later,
# the exit.
curl -s -o /dev/null --cacert "$P/ca.crt" -u 'alice:correct horse' "$(URL '/debug/pcap?seconds=30')" &
CAPTURE=$!
capturing() {
	code /metrics -u 'alice:correct horse' >/dev/null
	grep -q '^dropmon_events_subscribers 1$' "$TMP/body"
}
wait_for 10 capturing || fail "the capture did not start"
kill -HUP "$DROPMON_PID"
t0=$(date +%s%N)
reloaded() { grep -q "serving with the reloaded web config" "$TMP/dropmon.log"; }
wait_for 5 reloaded || true
ms=$((($(date +%s%N) - t0) / 1000000))
# Bounds under the capture's 30 s, which a held signal would wait out.
bound_ms() { local b=$(($1 * $(scaled 1))); echo $((b < 20000 ? b : 20000)); }
if reloaded && [ "$ms" -lt "$(bound_ms 2000)" ]; then
	pass "SIGHUP handled in $ms ms while a capture runs"
else
	fail "SIGHUP not handled within $(bound_ms 2000) ms while a capture runs ($ms ms)"
fi
expect_eq "after SIGHUP: the new user" 200 "$(code /metrics -u 'carol:new one' --cacert "$P/otherca.crt")"
expect_eq "after SIGHUP: the new header" 1 "$(grep -ci '^X-Frame-Options: sameorigin' "$TMP/headers")"
expect_eq "after SIGHUP: the old user" 401 "$(code /metrics -u 'alice:correct horse' --cacert "$P/otherca.crt")"
expect_eq "after SIGHUP: the old certificate is gone" 000 "$(code /metrics -u 'carol:new one')"
# A file that does not load changes nothing.
printf 'basic_auth_users:\n  dave: not-a-hash\n' >"$TMP/web.yml"
kill -HUP "$DROPMON_PID"
kept_config() { grep -q "kept the web config in use" "$TMP/dropmon.log"; }
wait_for 5 kept_config || true
expect_eq "a bad file on SIGHUP: said so" 1 "$(grep -c 'kept the web config in use' "$TMP/dropmon.log")"
expect_eq "a bad file on SIGHUP: still served as before" 200 \
	"$(code /metrics -u 'carol:new one' --cacert "$P/otherca.crt")"
expect_eq "still running" 0 "$(kill -0 "$DROPMON_PID"; echo $?)"
t0=$(date +%s%N)
stop_dropmon
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -lt "$(bound_ms 5000)" ]; then
	pass "SIGTERM with the old generation's capture still open: exit in $ms ms"
else
	fail "SIGTERM took $ms ms with a capture open"
fi
wait "$CAPTURE" 2>/dev/null || true

# --- minimum TLS version -----------------------------------------------------
cat >"$TMP/tls13.yml" <<YAML
tls_server_config:
  cert_file: $P/server.crt
  key_file: $P/server.key
  min_version: TLS13
YAML
ready_tls() { curl -fsS -o /dev/null --cacert "$P/ca.crt" "$(URL /metrics)" 2>/dev/null; }
DROPMON_READY=ready_tls
start_dropmon --web.config.file="$TMP/tls13.yml"
expect_eq "min_version TLS13: TLS 1.3 served" 200 "$(code /metrics --tlsv1.3)"
expect_eq "min_version TLS13: TLS 1.2 refused" 000 "$(code /metrics --tls-max 1.2)"
stop_dropmon

# --- client certificates -------------------------------------------------------
cat >"$TMP/mtls.yml" <<YAML
tls_server_config:
  cert_file: $P/server.crt
  key_file: $P/server.key
  client_ca_file: $P/ca.crt
  client_auth_type: RequireAndVerifyClientCert
YAML
ready_mtls() { curl -fsS -o /dev/null --cacert "$P/ca.crt" --cert "$P/client.crt" --key "$P/client.key" "$(URL /metrics)" 2>/dev/null; }
DROPMON_READY=ready_mtls
start_dropmon --web.config.file="$TMP/mtls.yml"
cert() { echo --cert "$P/$1.crt" --key "$P/$1.key"; }
# shellcheck disable=SC2046
{
	expect_eq "mTLS: the client's certificate" 200 "$(code /metrics $(cert client))"
	expect_eq "mTLS: no certificate" 000 "$(code /metrics)"
	expect_eq "mTLS: a certificate from another CA" 000 "$(code /metrics $(cert stranger))"
	expect_eq "mTLS: an expired certificate" 000 "$(code /metrics $(cert expired))"
	expect_eq "mTLS: a certificate not for client auth" 000 "$(code /metrics $(cert serveronly))"
}
stop_dropmon

cat >"$TMP/sans.yml" <<YAML
tls_server_config:
  cert_file: $P/server.crt
  key_file: $P/server.key
  client_ca: |
$(sed 's/^/    /' "$P/ca.crt")
  client_auth_type: RequireAndVerifyClientCert
  client_allowed_sans: [scraper.example]
YAML
# No request is admitted here: ready once the log says it serves.
ready_logged() { grep -q "serving /metrics" "$TMP/dropmon.log"; }
DROPMON_READY=ready_logged
start_dropmon --web.config.file="$TMP/sans.yml"
# shellcheck disable=SC2046
expect_eq "client_allowed_sans: a good certificate without the SAN" 403 "$(code /metrics $(cert client))"
expect_eq "saying why" 1 "$(grep -c 'none of client_allowed_sans' "$TMP/body" || true)"
stop_dropmon
sed -i 's/\[scraper.example\]/[scraper.example, prometheus.example]/' "$TMP/sans.yml"
DROPMON_READY=ready_mtls
start_dropmon --web.config.file="$TMP/sans.yml"
# shellcheck disable=SC2046
expect_eq "client_allowed_sans: the SAN listed" 200 "$(code /metrics $(cert client))"
stop_dropmon

# --- a real Prometheus scrapes it with a client certificate and a password ------
if command -v prometheus >/dev/null; then
	cat >"$TMP/both.yml" <<YAML
tls_server_config:
  cert_file: $P/server.crt
  key_file: $P/server.key
  client_ca_file: $P/ca.crt
  client_auth_type: RequireAndVerifyClientCert
basic_auth_users:
  prometheus: $HASH_ALICE
YAML
	ready_both() { curl -fsS -o /dev/null --cacert "$P/ca.crt" $(cert client) -u 'prometheus:correct horse' "$(URL /metrics)" 2>/dev/null; }
	DROPMON_READY=ready_both
	start_dropmon --web.config.file="$TMP/both.yml"
	echo 'correct horse' >"$TMP/password"
	PPORT=$(free_port)
	cat >"$TMP/prom.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: dropmon
    scheme: https
    tls_config:
      ca_file: $P/ca.crt
      cert_file: $P/client.crt
      key_file: $P/client.key
      server_name: localhost
    basic_auth:
      username: prometheus
      password_file: $TMP/password
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YAML
	mkdir -p "$TMP/prom"
	prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom" \
		--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prometheus.log" 2>&1 &
	PIDS+=("$!")
	ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count 11 >/dev/null
	SERIES="dropmon_drops_total{reason=\"$(reason NO_SOCKET)\",netns=\"$NSC\",function=\"__udp4_lib_rcv\"}"
	prom_has() {
		got=$(curl -fsS --data-urlencode "query=$SERIES" "http://127.0.0.1:$PPORT/api/v1/query" 2>/dev/null |
			sed -n 's/.*"value":\[[0-9.]*,"\([^"]*\)"\].*/\1/p')
		[ "$got" = 11 ]
	}
	got=""
	wait_for 20 prom_has || true
	expect_eq "Prometheus scraped over mTLS with basic auth" 11 "$got"
	stop_dropmon
else
	fail "prometheus is not installed (Debian package prometheus)"
fi

# --- bad files: a clear error, exit 2 ---------------------------------------------
printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n  min_versoin: TLS13\n' \
	"$P/server.crt" "$P/server.key" >"$TMP/typo.yml"
rc=0
"$DROPMON" serve --web.listen-address="127.0.0.1:$(free_port)" --web.config.file="$TMP/typo.yml" \
	>"$TMP/out" 2>&1 || rc=$?
expect_eq "a misspelt key: exit status" 2 "$rc"
expect_eq "a misspelt key: named, with its line" 1 "$(grep -c 'typo.yml:4:.*min_versoin' "$TMP/out" || true)"
rc=0
"$DROPMON" serve --web.config.file="$TMP/nope.yml" >"$TMP/out" 2>&1 || rc=$?
expect_eq "a missing file: exit status" 2 "$rc"
printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n' "$P/server.crt" "$P/client.key" >"$TMP/mismatch.yml"
rc=0
"$DROPMON" serve --web.listen-address="127.0.0.1:$(free_port)" --web.config.file="$TMP/mismatch.yml" \
	>"$TMP/out" 2>&1 || rc=$?
expect_eq "a key of another certificate: exit status" 2 "$rc"
expect_eq "a key of another certificate: said so" 1 "$(grep -c 'mismatch.yml: the TLS certificate and key: .*' "$TMP/out" || true)"
log "$(cat "$TMP/out")"

# --- --user, with the capabilities it keeps ------------------------------------------
DROPMON_READY=ready_plain
start_dropmon --user=nobody
expect_eq "--user nobody: uid" "65534 65534 65534 65534" \
	"$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$DROPMON_PID/status")"
expect_eq "--user nobody: no supplementary groups" 0 "$(awk '/^Groups:/ { print NF - 1 }' "/proc/$DROPMON_PID/status")"
# CAP_SYS_PTRACE (19) and CAP_SYSLOG (34), nothing else (but CAP_BPF where
# the kernel checks it on every bpf() call: kept_caps).
expect_eq "--user nobody: effective capabilities" "$(kept_caps)" \
	"$(awk '/^CapEff:/ { print $2 }' "/proc/$DROPMON_PID/status")"
expect_eq "--user nobody: bounding set" "$(kept_caps)" \
	"$(awk '/^CapBnd:/ { print $2 }' "/proc/$DROPMON_PID/status")"
expect_eq "--user nobody: no new privileges" 1 "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$DROPMON_PID/status")"
ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count 7 >/dev/null
SERIES="dropmon_drops_total{reason=\"$(reason NO_SOCKET)\",device=\"lo\",ifindex=\"1\",netns=\"$NSC\",function=\"__udp4_lib_rcv\"}"
scrape_until "$TMP/m.txt" "$SERIES" 7
expect_eq "--user nobody: counted, with function and device" 7 "$(value "$TMP/m.txt" "$SERIES")"
expect_eq "--user nobody: netns named" 1 "$(grep -c "^dropmon_netns_info{netns=\"$NSC\",name=\"$C\"} 1" "$TMP/m.txt" || true)"
stop_dropmon
rc=0
"$DROPMON" serve --user=no-such-user-here >"$TMP/out" 2>&1 || rc=$?
expect_eq "--user unknown: exit 2" 2 "$rc"

# --- limits ----------------------------------------------------------------------
# status_within_tries: /metrics's status, tried until it is 200 for at most
# 2 s (scaled). libmicrohttpd frees a closed connection's slot when its
# listener next wakes up, so the first connection after may be turned away.
status_within_tries() {
	served() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics" || true)" = 200 ]; }
	wait_for 2 served || true
	curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics" || true
}
start_dropmon --web.max-request-bytes=8192 --web.max-connections-per-ip=2
big=$(head -c 9000 /dev/zero | tr '\0' a)
expect_eq "a 9000-byte header with --web.max-request-bytes=8192" 431 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "http://127.0.0.1:$PORT/metrics" || true)"
expect_eq "a small request still served" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")"
# Two idle connections from 127.0.0.1 take the per-address limit.
exec 5<>"/dev/tcp/127.0.0.1/$PORT" 6<>"/dev/tcp/127.0.0.1/$PORT"
wait_for 5 accepted "$PORT" 2 || true
expect_eq "a third connection from the same address" 000 \
	"$(curl -s -o /dev/null -m "$(scaled 5)" -w '%{http_code}' "http://127.0.0.1:$PORT/metrics" || true)"
exec 5>&- 6>&-
expect_eq "served again once they close" 200 "$(status_within_tries)"
stop_dropmon

# The idle timeout is long enough for the third connection to be tried while
# the two are still open (2 s, scaled: under emulation that takes longer).
# The connections send nothing, so the header deadline would close them too:
# it is set well after the idle timeout (scaled, 40 s is after its 10 s).
IDLE=$(scaled 2)
start_dropmon --web.max-connections=2 --web.connection-timeout="${IDLE}s" \
	--web.header-timeout="$((IDLE * 4))s"
exec 5<>"/dev/tcp/127.0.0.1/$PORT"
wait_for 5 accepted "$PORT" 1 || true
exec 6<>"/dev/tcp/127.0.0.1/$PORT"
opened=$(date +%s%N)
wait_for 5 accepted "$PORT" 2 || true
# Both slots taken by connections that send nothing: a third is served, and
# the one that waited longest (5) is closed for it.
expect_eq "--web.max-connections=2: a third connection served" 200 \
	"$(curl -s -o /dev/null -m "$(scaled 5)" -w '%{http_code}' "http://127.0.0.1:$PORT/metrics" || true)"
rc=0
timeout "$(scaled 1)" cat <&5 >/dev/null || rc=$?
expect_eq "the connection that waited longest closed for it (cat exit)" 0 "$rc"
# --web.connection-timeout: the other idle connection is closed by the server
# (read sees the end of the stream, not cat's timeout), and not before.
rc=0
timeout $((IDLE + $(scaled 3))) cat <&6 >/dev/null || rc=$?
ms=$((($(date +%s%N) - opened) / 1000000))
log "an idle connection was closed after $ms ms (cat exit $rc)"
if [ "$rc" -eq 0 ] && [ "$ms" -ge $((IDLE * 1000 - 500)) ] && [ "$ms" -lt $(((IDLE + $(scaled 2)) * 1000)) ]; then
	pass "--web.connection-timeout=${IDLE}s closes an idle connection ($ms ms)"
else
	fail "an idle connection was not closed by the server after ${IDLE}s (cat exit $rc after $ms ms)"
fi
exec 5>&- 6>&-
expect_eq "served again after the timeout" 200 "$(status_within_tries)"
stop_dropmon

# --- HTTP edge cases: Host, long URIs ----------------------------------------------
start_dropmon
# raw REQUEST: the status line of the answer to a request sent as is.
raw() {
	exec 7<>"/dev/tcp/127.0.0.1/$PORT"
	printf '%b' "$1" >&7
	timeout "$(scaled 5)" head -n1 <&7 | tr -d '\r' || true
	exec 7>&-
}
expect_eq "HTTP/1.1 without Host" "HTTP/1.1 400 Bad Request" \
	"$(raw 'GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n')"
expect_eq "HTTP/1.1 with two Host headers" "HTTP/1.1 400 Bad Request" \
	"$(raw 'GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n')"
expect_eq "HTTP/1.0 without Host" "HTTP/1.1 200 OK" "$(raw 'GET /metrics HTTP/1.0\r\n\r\n')"
q=$(for i in $(seq 447); do printf 'p%03d=xyz&' "$i"; done)
expect_eq "a ${#q}-byte query of 447 parameters" 414 \
	"$(curl -s -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$PORT/metrics?$q" || true)"
expect_eq "saying why" "URI too long: at most 4096 bytes and 32 query parameters" "$(cat "$TMP/body")"
expect_eq "still served after" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")"
stop_dropmon

# --- listen addresses, the map size: usage errors exit 2 -------------------------------
# run_serve FLAGS...: dropmon serve's exit status, its output in $TMP/out, at
# most 10 s (scaled); 124 when it had to be killed.
run_serve() {
	local rc=0
	timeout "$(scaled 10)" "$DROPMON" serve "$@" >"$TMP/out" 2>&1 || rc=$?
	echo "$rc"
}
expect_eq "--web.listen-address=[]:PORT: exit status" 2 "$(run_serve --web.listen-address="[]:$(free_port)")"
expect_eq "--web.listen-address=[]:PORT: said so" 1 "$(grep -c 'empty brackets are no address' "$TMP/out" || true)"
expect_eq "--web.listen-address=[127.0.0.1]:PORT: exit status" 2 \
	"$(run_serve --web.listen-address="[127.0.0.1]:$(free_port)")"
expect_eq "--web.listen-address=nonsense: exit status" 2 "$(run_serve --web.listen-address=nonsense)"
expect_eq "--web.listen-address=192.0.2.1:PORT (not here): exit status" 2 \
	"$(run_serve --web.listen-address="192.0.2.1:$(free_port)")"
expect_eq "--bpf.map-size=16777216: exit status" 2 "$(run_serve --bpf.map-size=16777216)"
expect_eq "--bpf.map-size=16777216: says what it would cost" 1 \
	"$(grep -c 'must be from 1 to 1048576 (got 16777216: each entry costs about 184 bytes of kernel memory plus 16 per CPU, [0-9]* MiB' "$TMP/out" || true)"
log "$(cat "$TMP/out")"
# ":0": the log names the port the kernel chose.
start_dropmon_at() {
	"$DROPMON" serve --web.listen-address="$1" >"$TMP/dropmon.log" 2>&1 &
	DROPMON_PID=$!
	PIDS+=("$DROPMON_PID")
}
start_dropmon_at 127.0.0.1:0
logged_port() { grep -q 'serving /metrics on 127.0.0.1:[1-9]' "$TMP/dropmon.log"; }
wait_for 10 logged_port || true
PORT=$(sed -n 's/.*serving \/metrics on 127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/dropmon.log")
expect_eq "127.0.0.1:0: the log names the port bound, which serves" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT:-0}/metrics" || true)"
log "$(grep serving "$TMP/dropmon.log")"
stop_dropmon

# --- a FIFO as --web.config.file: refused at once, at start and on SIGHUP ---------------
mkfifo "$TMP/fifo.yml"
t0=$(date +%s%N)
expect_eq "a FIFO as --web.config.file: exit status" 2 \
	"$(run_serve --web.listen-address="127.0.0.1:$(free_port)" --web.config.file="$TMP/fifo.yml")"
expect_eq "a FIFO as --web.config.file: said so" 1 "$(grep -c 'fifo.yml: a FIFO, not a regular file' "$TMP/out" || true)"
log "$(cat "$TMP/out") (after $((($(date +%s%N) - t0) / 1000000)) ms)"
printf 'http_server_config:\n  headers:\n    X-Frame-Options: deny\n' >"$TMP/plain.yml"
start_dropmon --web.config.file="$TMP/plain.yml"
rm "$TMP/plain.yml"
mkfifo "$TMP/plain.yml"
kill -HUP "$DROPMON_PID"
wait_for 5 kept_config || true
expect_eq "a FIFO on SIGHUP: the old config kept, said why" 1 \
	"$(grep -c 'plain.yml: a FIFO, not a regular file' "$TMP/dropmon.log" || true)"
expect_eq "a FIFO on SIGHUP: still served as before" 1 \
	"$(curl -s -D - -o /dev/null "http://127.0.0.1:$PORT/metrics" | grep -ci '^X-Frame-Options: deny')"
# The signal thread is free: SIGTERM is handled at once (a thread blocked
# on the FIFO would never get to it).
t0=$(date +%s%N)
kill -TERM "$DROPMON_PID"
gone() { ! kill -0 "$DROPMON_PID" 2>/dev/null; }
if wait_for 5 gone; then
	pass "SIGTERM after a FIFO on SIGHUP: exit in $((($(date +%s%N) - t0) / 1000000)) ms"
else
	fail "SIGTERM after a FIFO on SIGHUP: still running after 5 s"
	kill -KILL "$DROPMON_PID" 2>/dev/null || true
fi
wait "$DROPMON_PID" 2>/dev/null || true

finish
