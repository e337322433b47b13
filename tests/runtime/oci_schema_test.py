#!/usr/bin/python3
"""The OCI profiles sysfence writes validate against the runtime-spec's own JSON schema.

usage: oci_schema_test.py SYSFENCE SOURCE_DIR WORK_DIR

The schema is Debian's copy of opencontainers/runtime-spec (golang-github-opencontainers-specs-dev,
schema/config-schema.json with its $refs to config-linux.json, defs-linux.json, defs.json),
validated with Debian's python3-jsonschema. Checked: `compile --format oci` of the embedded
default policy, of a policy with argument conditions, of Docker's profile re-exported, and every
file `compile DIR --format oci` writes; each inside a config.json as linux.seccomp. A mutated
profile (an unknown action) must fail validation, so the check can fail.
"""
import json
import os
import pathlib
import subprocess
import sys

SCHEMA_DIR = pathlib.Path("/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema")


def main():
    sysfence, source, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    try:
        import jsonschema
    except ImportError:
        print("FAIL: python3-jsonschema is not installed (scripts/setup.sh installs it)")
        return 1
    if not (SCHEMA_DIR / "config-schema.json").exists():
        print("FAIL: %s missing (apt-get install golang-github-opencontainers-specs-dev)" % SCHEMA_DIR)
        return 1
    store = {}
    for f in SCHEMA_DIR.glob("*.json"):
        doc = json.loads(f.read_text())
        store[f.name] = doc
        store[f.resolve().as_uri()] = doc
        if "$id" in doc:
            store[doc["$id"]] = doc
    schema = store["config-schema.json"]
    resolver = jsonschema.RefResolver(base_uri=(SCHEMA_DIR / "config-schema.json").resolve().as_uri(),
                                      referrer=schema, store=store)
    validator = jsonschema.Draft4Validator(schema, resolver=resolver)

    work.mkdir(parents=True, exist_ok=True)
    policies = work / "policies"
    policies.mkdir(exist_ok=True)
    (policies / "web-worker.policy").write_text(
        "default errno EPERM\n"
        "@basic-io, @memory, @signal, @time, @process: allow\n"
        "openat: (flags & (O_CREAT | O_TRUNC)) == 0\n"
        "socket: domain in {AF_UNIX, AF_INET}\n"
        "ioctl: u32(request) == TIOCSTI -> errno EPERM\n"
        "ptrace: kill-process\n")
    (policies / "docker.json").write_text((source / "tests/data/docker-default.json").read_text())

    def run(*args):
        r = subprocess.run([sysfence, *args], capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL: sysfence %s: %s" % (" ".join(args), r.stderr))
            sys.exit(1)
        return r.stdout

    profiles = {
        "default": run("compile", "--default", "--format", "oci"),
        "web-worker": run("compile", str(policies / "web-worker.policy"), "--format", "oci"),
    }
    outdir = work / "oci-out"
    run("compile", str(policies), "--format", "oci", "-o", str(outdir))
    for f in sorted(outdir.glob("*.json")):
        profiles["dir:" + f.name] = f.read_text()
    if sorted(p for p in profiles if p.startswith("dir:")) != ["dir:docker.json", "dir:web-worker.json"]:
        print("FAIL: compile DIR wrote %s" % sorted(profiles))
        return 1

    def config(seccomp):
        return {"ociVersion": "1.0.2", "root": {"path": "rootfs"},
                "process": {"cwd": "/", "args": ["/bin/sh"], "user": {"uid": 0, "gid": 0}},
                "linux": {"seccomp": seccomp}}

    failed = 0
    for name, text in profiles.items():
        errors = list(validator.iter_errors(config(json.loads(text))))
        for e in errors:
            print("FAIL: %s: %s at %s" % (name, e.message, "/".join(map(str, e.absolute_path))))
        failed += bool(errors)
        if not errors:
            print("ok: %s validates against the runtime-spec schema (%d syscall entries)"
                  % (name, len(json.loads(text).get("syscalls", []))))
    # --format spo: the same profile as an SPO SeccompProfile resource (YAML).
    import yaml
    for name, policy_args in (("web-worker", [str(policies / "web-worker.policy")]),
                              ("sysfence-default", ["--default"])):
        doc = yaml.safe_load(run("compile", *policy_args, "--format", "spo"))
        oci = json.loads(run("compile", *policy_args, "--format", "oci"))
        oci.pop("defaultErrnoRet", None)
        if (doc.get("apiVersion") != "security-profiles-operator.x-k8s.io/v1beta1"
                or doc.get("kind") != "SeccompProfile" or doc["metadata"]["name"] != name
                or doc["spec"] != oci):
            print("FAIL: --format spo of %s is not the OCI profile as a SeccompProfile:\n%s"
                  % (name, json.dumps(doc)[:2000]))
            return 1
        print("ok: --format spo of %s is the OCI profile in a SeccompProfile named %s" % (name, name))
    run("compile", str(policies), "--format", "spo", "-o", str(work / "spo-out"))
    written = sorted(f.name for f in (work / "spo-out").glob("*.yaml"))
    if written != ["docker.yaml", "web-worker.yaml"]:
        print("FAIL: compile DIR --format spo wrote %s" % written)
        return 1
    # The schema really checks the seccomp object: an unknown action is rejected.
    bad = json.loads(profiles["default"])
    bad["defaultAction"] = "SCMP_ACT_NOT_AN_ACTION"
    if not list(validator.iter_errors(config(bad))):
        print("FAIL: a profile with an unknown defaultAction validated: the schema checks nothing")
        return 1
    print("ok: a mutated profile (unknown defaultAction) is rejected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
