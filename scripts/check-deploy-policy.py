"""Rules for deploy/ that schemas cannot say.

kubernetes-validate checks each manifest against the Kubernetes schema and
hadolint checks the Dockerfile; this checks what we promise on top of that:
every container runs as non-root, read-only, unprivileged, with every
capability dropped and a writable /tmp; each workload runs `secrets init` in
an init container; no credential is ever written into a manifest or image.

    python check-deploy-policy.py FILE...   (Kubernetes YAML, or a Dockerfile)

Prints one line per problem and exits 1 when there is any.
"""

import re
import sys

import yaml

# Names whose literal value would be a credential: those must come from a
# Secret (secretKeyRef) or a mounted file, never from the manifest itself.
CREDENTIAL = re.compile(r"(TOKEN|PASSWORD|PASSPHRASE|SECRET_ID|ROLE_ID|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PRIVATE_KEY|API_KEY)$")
# ...except those that only name where a credential is or how to fetch it.
NOT_A_CREDENTIAL = re.compile(r"(_FILE|_PATH|_MOUNT|_METHOD|_ROLE|_ARN|_URL)$")

problems = []


def problem(where, text):
    problems.append(f"{where}: {text}")


def pod_specs(document):
    kind = document.get("kind")
    spec = document.get("spec") or {}
    if kind == "Pod":
        yield spec
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        yield (spec.get("template") or {}).get("spec") or {}
    elif kind == "CronJob":
        job = (spec.get("jobTemplate") or {}).get("spec") or {}
        yield (job.get("template") or {}).get("spec") or {}


def check_env(where, env):
    for variable in env or []:
        name = variable.get("name", "")
        if "value" in variable and CREDENTIAL.search(name) and not NOT_A_CREDENTIAL.search(name):
            problem(where, f"env {name} has a literal value; take it from a Secret or a mounted file")


def check_container(where, container, pod, volumes):
    context = container.get("securityContext") or {}
    pod_context = pod.get("securityContext") or {}
    if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
        problem(where, "runAsNonRoot is not true")
    if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
        problem(where, "runs as uid 0")
    if context.get("readOnlyRootFilesystem") is not True:
        problem(where, "readOnlyRootFilesystem is not true")
    if context.get("allowPrivilegeEscalation") is not False:
        problem(where, "allowPrivilegeEscalation is not false")
    if context.get("privileged"):
        problem(where, "is privileged")
    capabilities = context.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        problem(where, "capabilities.drop does not hold ALL")
    if capabilities.get("add"):
        problem(where, "adds capabilities")
    image = container.get("image", "")
    if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
        problem(where, f"image {image!r} has no fixed tag")
    mounts = {mount.get("mountPath"): mount.get("name") for mount in container.get("volumeMounts") or []}
    if volumes.get(mounts.get("/tmp")) != "emptyDir":
        problem(where, "/tmp is not a writable emptyDir (the root filesystem is read-only)")
    check_env(where, container.get("env"))


def check_manifest(path):
    with open(path, encoding="utf-8") as file:
        documents = [document for document in yaml.safe_load_all(file) if document]
    for document in documents:
        name = f"{path}: {document.get('kind')}/{(document.get('metadata') or {}).get('name')}"
        if document.get("kind") == "Secret" and (document.get("data") or document.get("stringData")):
            problem(name, "a Secret with data is committed; create it at deploy time")
        if document.get("kind") == "ConfigMap":
            for key in document.get("data") or {}:
                if CREDENTIAL.search(key) and not NOT_A_CREDENTIAL.search(key):
                    problem(name, f"ConfigMap key {key} looks like a credential; use a Secret")
        for pod in pod_specs(document):
            volumes = {}
            for volume in pod.get("volumes") or []:
                kinds = [key for key in volume if key != "name"]
                volumes[volume.get("name")] = kinds[0] if kinds else None
            if (pod.get("securityContext") or {}).get("runAsNonRoot") is not True:
                problem(name, "pod securityContext.runAsNonRoot is not true")
            init = pod.get("initContainers") or []
            if not any("init" in (c.get("command") or []) + (c.get("args") or []) for c in init):
                problem(name, "no init container runs `secrets init` before the application")
            for container in init + (pod.get("containers") or []):
                check_container(f"{name}: container {container.get('name')}", container, pod, volumes)


def check_dockerfile(path):
    with open(path, encoding="utf-8") as file:
        text = re.sub(r"\\\n", " ", file.read())
    stages = re.split(r"(?im)^\s*FROM\s", text)
    final = stages[-1]
    users = re.findall(r"(?im)^\s*USER\s+(\S+)", final)
    if not users:
        problem(path, "the final stage sets no USER: it would run as root")
    elif not re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", users[-1]):
        problem(path, f"the final USER {users[-1]!r} is not a numeric non-root uid (Kubernetes cannot verify runAsNonRoot)")
    for instruction, names in re.findall(r"(?im)^\s*(ARG|ENV)\s+(.*)$", text):
        for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=?", names.split(" ")[0] if instruction == "ARG" else names):
            if CREDENTIAL.search(name.upper()) and not NOT_A_CREDENTIAL.search(name.upper()):
                problem(path, f"{instruction} {name} would bake a credential into the image")
    if not re.search(r"(?im)^\s*(ENTRYPOINT|CMD)\b.*", final):
        problem(path, "the final stage has no ENTRYPOINT or CMD")


for argument in sys.argv[1:]:
    if re.search(r"(^|/)Dockerfile[^/]*$", argument) and not argument.endswith(".dockerignore"):
        check_dockerfile(argument)
    else:
        check_manifest(argument)

for line in problems:
    print(line, file=sys.stderr)
sys.exit(1 if problems else 0)
