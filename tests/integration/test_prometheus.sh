#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A real Prometheus server (Debian package prometheus) scrapes dropmon on
# loopback: after drops in a netns of the test, its HTTP API shows them with
# the right labels through rate() and increase(), and every rule of
# deploy/prometheus/dropmon-rules.yml evaluates without error.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v prometheus >/dev/null || skip "prometheus is not installed (Debian package prometheus)"
TOP="${SRCDIR:-$(dirname "$0")/../..}"
RULES="$TOP/deploy/prometheus/dropmon-rules.yml"
DASHBOARD="$TOP/dashboards/dropmon.json"

two_netns
# An nftables drop too, for the firewall chain panel.
nft_drop_udp "$B" 7777
start_dropmon --collector.netfilter

PPORT=$(free_port)
mkdir -p "$TMP/prom"
cat >"$TMP/prom.yml" <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES
scrape_configs:
  - job_name: dropmon
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOC
prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom" \
	--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
PIDS+=("$PROM_PID")
PROM="http://127.0.0.1:$PPORT"
prom_up() { curl -fs -o /dev/null "$PROM/-/ready" || ! kill -0 "$PROM_PID" 2>/dev/null; }
wait_for 10 prom_up || true
curl -fs -o /dev/null "$PROM/-/ready" || {
	echo "prometheus did not start:"
	tail -20 "$TMP/prometheus.log"
	exit 1
}

# query EXPR: the API's answer (JSON).
query() { curl -fsS --data-urlencode "query=$1" "$PROM/api/v1/query"; }
# first_value EXPR: the value of the first sample of an instant query, or "".
first_value() { query "$1" | sed -n 's/.*"value":\[[0-9.]*,"\([^"]*\)"\].*/\1/p'; }

# has_sample EXPR: the query returns a sample.
has_sample() { [ -n "$(first_value "$1")" ]; }

SERIES="reason=\"$(reason NO_SOCKET)\",device=\"vb\",ifindex=\"$IFB\",netns=\"$NSB\",function=\"tcp_v4_rcv\""
# One drop first, so that the series exists before the rest: increase()
# has something to start from.
ip netns exec "$A" "$DROPGEN" tcp-syn 198.18.0.2 8080 --count 1 >/dev/null
wait_for 20 has_sample "dropmon_drops_total{$SERIES}" || fail "Prometheus never saw the first drop"
wait_for 20 has_sample "count_over_time(dropmon_drops_total{$SERIES}[1m]) >= 2" ||
	fail "Prometheus did not scrape the first drop twice"
ip netns exec "$A" "$DROPGEN" tcp-syn 198.18.0.2 8080 --count 36 >/dev/null
wait_for 20 has_sample "dropmon_drops_total{$SERIES} == 37" || fail "Prometheus never saw all 37 drops"
ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 7777 --count 5 >/dev/null
# Before 5.17 no drop is a NETFILTER_DROP (no reasons): no such series.
if [ "$KERNEL_REASONS" = true ]; then
	wait_for 20 has_sample "sum(dropmon_netfilter_drops_total{netns=\"$NSB\"}) == 5" ||
		fail "Prometheus never saw the 5 netfilter drops"
	# rate() in the firewall chain panel needs two samples of the series.
	wait_for 20 has_sample "count_over_time(dropmon_netfilter_drops_total{netns=\"$NSB\"}[1m]) >= 2" ||
		fail "Prometheus did not scrape the netfilter drops twice"
	NF_PANEL='|dropmon_netfilter_drops_total'
else
	log "kernel without drop reasons: the firewall chain panel may be empty"
	NF_PANEL=
fi
expect_eq "the scraped counter, with every label" 37 "$(first_value "dropmon_drops_total{$SERIES}")"
inc=$(first_value "increase(dropmon_drops_total{$SERIES}[1m])")
rate=$(first_value "rate(dropmon_drops_total{$SERIES}[1m])")
log "increase over 1m: $inc, rate: $rate/s"
if awk -v i="$inc" -v r="$rate" 'BEGIN { exit !(i >= 36 && r > 0) }'; then
	pass "increase() and rate() show the 36 later drops"
else
	fail "increase() = '$inc', rate() = '$rate'"
fi
expect_eq "up" 1 "$(first_value 'up{job="dropmon"}')"
expect_eq "netns names join" 1 \
	"$(first_value "count(dropmon_drops_total{$SERIES} * on (netns) group_left(name) dropmon_netns_info{name=\"$B\"})")"

# Every rule of deploy/prometheus/dropmon-rules.yml is loaded and evaluates
# without error on real data (Prometheus reports each rule's health).
if [ -f "$RULES" ]; then
	nrules=$(grep -cE '^\s*- (record|alert):' "$RULES")
	# Rules are evaluated every evaluation_interval; until then "unknown".
	rules_evaluated() {
		curl -fsS "$PROM/api/v1/rules" >"$TMP/rules.json" &&
			! grep -q '"health":"unknown"' "$TMP/rules.json" &&
			has_sample "count(job_reason:dropmon_drops:rate5m{reason=\"$(reason NO_SOCKET)\"} > 0)"
	}
	wait_for 20 rules_evaluated || true
	expect_eq "rules loaded" "$nrules" "$(grep -o '"health":"[a-z]*"' "$TMP/rules.json" | wc -l)"
	expect_eq "rules evaluated without error" "$nrules" \
		"$(grep -o '"health":"ok"' "$TMP/rules.json" | wc -l)"
	expect_eq "the recording rule by reason has the drops" 1 \
		"$(first_value "count(job_reason:dropmon_drops:rate5m{reason=\"$(reason NO_SOCKET)\"} > 0)")"
else
	fail "$RULES is missing"
fi

# Every query of the Grafana dashboard, with its variables set as Grafana
# would ("All" is .*), parses and evaluates; the panels about drops return
# data. The dashboard keeps one "expr" per line for this.
if [ -f "$DASHBOARD" ]; then
	n=0
	empty=0
	while IFS= read -r expr; do
		n=$((n + 1))
		q=$(printf '%s' "$expr" | sed 's/\\"/"/g; s/\\\\/\\/g;
			s/\$__rate_interval/1m/g; s/\$job/dropmon/g;
			s/\$instance\|\$reason\|\$device\|\$netns\|\$function\|\$k8s_namespace/.*/g')
		if ! query "$q" >"$TMP/q.json" || ! grep -q '"status":"success"' "$TMP/q.json"; then
			fail "dashboard query does not evaluate: $q ($(head -c 300 "$TMP/q.json"))"
		elif [[ "$q" =~ dropmon_d[a-z_]*_total|:dropmon_d$NF_PANEL ]] &&
			! grep -q '"value"' "$TMP/q.json"; then
			fail "dashboard query about drops returns nothing: $q"
			empty=$((empty + 1))
		fi
	done < <(sed -n 's/^ *"expr": "\(.*\)",\{0,1\}$/\1/p' "$DASHBOARD")
	if [ "$n" -ge 8 ]; then
		pass "$n dashboard queries evaluated ($empty drop panels empty)"
	else
		fail "only $n dashboard queries found in $DASHBOARD"
	fi
else
	fail "$DASHBOARD is missing"
fi

kill "$PROM_PID"
wait "$PROM_PID" 2>/dev/null || true
stop_dropmon
finish
