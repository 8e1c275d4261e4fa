#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""deploy/kubernetes/dropmon.yaml is valid YAML, and what matters in it agrees
with itself and with the binary: the port, the flags, the capabilities.
Usage: kubernetes_manifests.py MANIFEST DROPMON_BINARY"""
import re
import subprocess
import sys

import yaml

EXPECTED_CAPS = ["BPF", "PERFMON", "SYSLOG", "SYS_PTRACE"]
PORT = 9612
# Flags naming a directory dropmon reads workload names from, and the part
# of it that is mounted.
# The directories dropmon names workloads from, what below them it reads,
# and whether the DaemonSet must mount it: pods need kubelet's log
# directories; Docker's state is opt-in (it holds every container's
# environment, and Kubernetes pods are named without it).
NAME_DIRS = [("--kubernetes.pod-logs-dir", "", True), ("--docker.data-root", "/containers", False)]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def flag_defaults(usage):
    """{flag: default} from `dropmon serve --help`: an entry starts with
    "  --flag" and ends with "(default VALUE)"."""
    out = {}
    for entry in re.split(r"\n(?=  --)", usage):
        m = re.match(r"\s*(--[a-z][a-z.-]+)", entry)
        d = re.search(r"\(default ([^)]*)\)\s*$", entry)
        if m and d:
            out[m.group(1)] = d.group(1)
    return out


def main():
    manifest, binary = sys.argv[1], sys.argv[2]
    with open(manifest, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    kinds = {d["kind"]: d for d in docs}
    for kind in ("Namespace", "DaemonSet", "Service", "ServiceMonitor"):
        if kind not in kinds:
            fail("no " + kind)
    ds, svc, sm = kinds["DaemonSet"], kinds["Service"], kinds["ServiceMonitor"]
    pod = ds["spec"]["template"]["spec"]
    (ctr,) = pod["containers"]
    sec = ctr["securityContext"]
    if sec.get("privileged") or sec.get("allowPrivilegeEscalation") is not False:
        fail("the container must not be privileged nor escalate")
    if sec["capabilities"]["drop"] != ["ALL"] or sorted(sec["capabilities"]["add"]) != EXPECTED_CAPS:
        fail("capabilities: %s" % sec["capabilities"])
    if pod.get("hostNetwork"):
        fail("hostNetwork is not needed")
    ports = {p["name"]: p["containerPort"] for p in ctr["ports"]}
    if ports.get("metrics") != PORT:
        fail("container port metrics is not %d: %s" % (PORT, ports))
    args = ctr["args"]
    if args[0] != "serve" or "--web.listen-address=:%d" % PORT not in args:
        fail("args: %s" % args)
    # Every flag given must be one the binary knows.
    usage = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True,
                           check=True).stdout
    known = set(re.findall(r"--[a-z][a-z.-]+", usage))
    for a in args[1:]:
        flag = a.split("=", 1)[0]
        if flag not in known:
            fail("flag %s is not a flag of `dropmon serve --help`" % flag)
    # Every mount is a read-only hostPath at the same path as on the node.
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {}
    for m in ctr["volumeMounts"]:
        vol = volumes.get(m["name"])
        if not vol or "hostPath" not in vol:
            fail("mount %s is not a hostPath volume" % m["name"])
        if m.get("readOnly") is not True:
            fail("mount %s is not readOnly" % m["mountPath"])
        if vol["hostPath"]["path"] != m["mountPath"]:
            fail("%s is mounted at %s" % (vol["hostPath"]["path"], m["mountPath"]))
        mounts[m["mountPath"]] = vol
    if "/sys/kernel/btf" not in mounts:
        fail("/sys/kernel/btf is not mounted")
    # The directories dropmon names workloads from (issue 11) are mounted
    # where its flags look: their value in args, else the default --help
    # shows. A binary without these flags (before issue 11) is not checked.
    defaults = flag_defaults(usage)
    given = dict(a.split("=", 1) for a in args[1:] if "=" in a)
    allowed = {"/sys/kernel/btf"}
    for flag, sub, required in NAME_DIRS:
        if flag not in defaults:
            continue
        want = given.get(flag, defaults[flag]).rstrip("/") + sub
        allowed.add(want)
        if want not in mounts:
            if required:
                fail("%s is not mounted (%s=%s)" % (want, flag, given.get(flag, defaults[flag])))
            continue
        if mounts[want]["hostPath"].get("type") not in ("", "DirectoryOrCreate"):
            fail("%s must not keep dropmon from starting on a node without it" % want)
    if set(mounts) - allowed:
        fail("mounts other than btf and the name directories: %s" % sorted(set(mounts) - allowed))
    if not ctr["resources"]["requests"] or "memory" not in ctr["resources"]["limits"]:
        fail("resources are not set")
    sel = ds["spec"]["selector"]["matchLabels"]
    if ds["spec"]["template"]["metadata"]["labels"] != sel or svc["spec"]["selector"] != sel:
        fail("selectors do not match the pod labels")
    (sp,) = svc["spec"]["ports"]
    if sp["name"] != "metrics" or sp["port"] != PORT or sp["targetPort"] != "metrics":
        fail("service port: %s" % sp)
    if sm["spec"]["selector"]["matchLabels"] != svc["metadata"]["labels"]:
        fail("the ServiceMonitor does not select the Service")
    if [e["port"] for e in sm["spec"]["endpoints"]] != ["metrics"]:
        fail("the ServiceMonitor endpoint is not the metrics port")
    for d in docs[1:]:
        if d["metadata"].get("namespace") != "dropmon":
            fail("%s is not in namespace dropmon" % d["kind"])
    print("ok: %d manifests consistent with the binary (port %d, caps %s, read-only mounts %s)"
          % (len(docs), PORT, ",".join(EXPECTED_CAPS), " ".join(sorted(mounts))))


if __name__ == "__main__":
    main()
