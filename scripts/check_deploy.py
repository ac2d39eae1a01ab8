"""deploy/ files agree with each other and with the worker's settings.

Usage: python3 scripts/check_deploy.py BINARY   (run by scripts/check-deploy.sh; needs PyYAML)

Checks what no schema can: the ConfigMap's settings load in the real binary
(`check-config`), the grace period outlasts the drain deadline, probes hit the worker's
routes and port, the PodDisruptionBudget and KEDA select the Deployment, KEDA never scales
past the input partitions (nor does compose create fewer), and the KEDA ScaledObject (a CRD
the Kubernetes schemas do not cover) has the fields its Kafka scaler needs.
"""

import json
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
problems = []


def check(ok, message):
    if not ok:
        problems.append(message)
    return ok


def load_k8s():
    docs = {}
    for path in sorted((ROOT / "deploy/k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs[doc["kind"]] = doc
    return docs


def settings_of(binary, toml_text):
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(toml_text)
    run = subprocess.run(
        [binary, "check-config", "--config", f.name],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
    )
    pathlib.Path(f.name).unlink()
    if not check(run.returncode == 0, f"ConfigMap config.toml does not load: {run.stderr.strip()}"):
        sys.exit(report())
    return json.loads(run.stdout)


def report():
    if problems:
        for p in problems:
            print(f"check-deploy: FAILED: {p}", file=sys.stderr)
        return 1
    return 0


def main():
    binary = sys.argv[1]
    k8s = load_k8s()
    for kind in ["ConfigMap", "Deployment", "PodDisruptionBudget", "ScaledObject"]:
        check(kind in k8s, f"deploy/k8s has no {kind}")
    config_map, deployment = k8s["ConfigMap"], k8s["Deployment"]
    settings = settings_of(binary, config_map["data"]["config.toml"])
    deadline = settings["pipeline"]["shutdown_deadline_secs"]
    port = settings["http"]["port"]

    pod = deployment["spec"]["template"]
    spec = pod["spec"]
    grace = spec.get("terminationGracePeriodSeconds", 30)
    check(grace > deadline, f"terminationGracePeriodSeconds {grace} must exceed shutdown_deadline_secs {deadline}")
    (container,) = spec["containers"]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    for probe, path in [("livenessProbe", "/livez"), ("readinessProbe", "/readyz")]:
        got = container.get(probe, {}).get("httpGet", {})
        check(got.get("path") == path, f"{probe} must GET {path}")
        target = ports.get(got.get("port"), got.get("port"))
        check(target == port, f"{probe} port {target} is not http.port {port}")
    resources = container.get("resources", {})
    for part in ["requests", "limits"]:
        for what in ["cpu", "memory"]:
            check(what in resources.get(part, {}), f"resources.{part}.{what} missing")
    check(spec.get("securityContext", {}).get("runAsNonRoot") is True, "pods must run as non-root")
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    config_path = env.get("NEWS_ENRICHER_CONFIG", "")
    mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
    volumes = {v["name"]: v.get("configMap", {}).get("name") for v in spec.get("volumes", [])}
    mounted = any(
        volumes.get(name) == config_map["metadata"]["name"] and config_path == f"{path}/config.toml"
        for name, path in mounts.items()
    )
    check(mounted, "the ConfigMap must be mounted where NEWS_ENRICHER_CONFIG points")

    labels = pod["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    pdb = k8s["PodDisruptionBudget"]["spec"]
    check(pdb["selector"]["matchLabels"].items() <= labels.items(), "the PodDisruptionBudget selects no worker pod")
    check(selector.items() <= labels.items(), "the Deployment selector does not match its pods")

    scaled = k8s["ScaledObject"]
    check(scaled["apiVersion"] == "keda.sh/v1alpha1", "ScaledObject apiVersion must be keda.sh/v1alpha1")
    s = scaled["spec"]
    known = {"scaleTargetRef", "minReplicaCount", "maxReplicaCount", "pollingInterval", "cooldownPeriod",
             "idleReplicaCount", "initialCooldownPeriod", "advanced", "fallback", "triggers"}
    check(set(s) <= known, f"ScaledObject spec has unknown fields {sorted(set(s) - known)}")
    target = s["scaleTargetRef"]
    check(target.get("name") == deployment["metadata"]["name"] and target.get("kind", "Deployment") == "Deployment",
          "the ScaledObject must scale the Deployment")
    partitions = int(scaled["metadata"]["annotations"]["news-enricher/input-partitions"])
    low, high = s.get("minReplicaCount", 0), s["maxReplicaCount"]
    check(0 <= low <= high <= partitions, f"replicas {low}..{high} must stay within the {partitions} input partitions")
    (trigger,) = s["triggers"]
    meta = trigger.get("metadata", {})
    check(trigger.get("type") == "kafka", "the trigger must be KEDA's kafka scaler")
    for key in ["bootstrapServers", "consumerGroup", "topic", "lagThreshold"]:
        check(key in meta, f"kafka trigger metadata.{key} missing")
    check(meta.get("consumerGroup") == settings["kafka"]["group_id"], "trigger consumerGroup is not kafka.group_id")
    check(meta.get("topic") == settings["kafka"]["input_topic"], "trigger topic is not kafka.input_topic")
    check(meta.get("bootstrapServers") == settings["kafka"]["brokers"], "trigger bootstrapServers is not kafka.brokers")
    check(str(meta.get("lagThreshold", "")).isdigit() and int(meta["lagThreshold"]) > 0, "lagThreshold must be a positive integer")
    check(str(meta.get("allowIdleConsumers", "false")) == "false", "allowIdleConsumers must stay false")

    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    services = compose["services"]
    for name in ["kafka", "kafka-init", "worker", "prometheus"]:
        check(name in services, f"compose has no {name} service")
    roles = services["kafka"]["environment"].get("KAFKA_PROCESS_ROLES", "")
    check("controller" in roles and "broker" in roles, "compose Kafka must run in KRaft mode (broker,controller)")
    init = "\n".join(services["kafka-init"]["command"])
    topics = dict(re.findall(r"([a-z-]+):(\d+)", init.split("for spec in", 1)[-1].split(";", 1)[0]))
    defaults = settings_of(binary, "")
    for key in ["input_topic", "output_topic", "dead_letter_topic"]:
        check(defaults["kafka"][key] in topics, f"kafka-init does not create {defaults['kafka'][key]}")
    check(int(topics.get(defaults["kafka"]["input_topic"], 0)) == partitions,
          f"compose creates {topics.get(defaults['kafka']['input_topic'])} input partitions, KEDA assumes {partitions}")
    worker = services["worker"]
    check(worker["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully",
          "the worker must wait for the topics")
    stop = int(str(worker.get("stop_grace_period", "10s")).rstrip("s"))
    check(stop > defaults["pipeline"]["shutdown_deadline_secs"], "compose stop_grace_period must exceed the drain deadline")
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus.yml").read_text())
    targets = [t for job in prometheus["scrape_configs"] for c in job["static_configs"] for t in c["targets"]]
    check(f"worker:{defaults['http']['port']}" in targets, "Prometheus must scrape the worker's http.port")

    dashboard = json.loads((ROOT / "deploy/grafana-dashboard.json").read_text())
    check(len(dashboard.get("panels", [])) > 0, "the Grafana dashboard has no panels")

    code = report()
    if code == 0:
        print(
            f"check-deploy: cross-checks passed: grace {grace}s > drain deadline {deadline}s; probes /livez and /readyz on "
            f"port {port}; PDB and KEDA select the Deployment; KEDA {low}..{high} replicas <= {partitions} input partitions "
            f"(compose creates {topics.get(defaults['kafka']['input_topic'])}); ScaledObject kafka trigger on group "
            f"{meta.get('consumerGroup')}, topic {meta.get('topic')}, lagThreshold {meta.get('lagThreshold')}; "
            f"compose KRaft + kafka-init + worker + Prometheus; dashboard {len(dashboard['panels'])} panels"
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
