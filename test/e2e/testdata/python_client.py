"""Drives the cluster with the official Kubernetes Python client.

Usage: python python_client.py NAMESPACE

Creates, reads, updates, lists (by label and by field) and deletes a ConfigMap, and resumes a
watch from a resourceVersion taken before two updates. Prints one line per step; the test compares
the lines exactly. Exits non-zero with a traceback when a call fails.
"""

import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def main(namespace):
    config.load_kube_config()
    core = client.CoreV1Api()
    name = "py-cm"

    body = client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name, labels={"suite": "python", "step": "one"}),
        data={"a": "1"},
    )
    created = core.create_namespaced_config_map(namespace, body)
    print("created %s uid-set=%s rv-set=%s" % (
        created.metadata.name, bool(created.metadata.uid), bool(created.metadata.resource_version)))

    got = core.read_namespaced_config_map(name, namespace)
    print("read %s a=%s" % (got.metadata.name, got.data["a"]))

    got.data["a"] = "2"
    updated = core.replace_namespaced_config_map(name, namespace, got)
    print("replaced %s a=%s newer=%s" % (
        updated.metadata.name, updated.data["a"],
        int(updated.metadata.resource_version) > int(created.metadata.resource_version)))

    try:
        core.replace_namespaced_config_map(name, namespace, got)
        print("stale replace accepted")
    except ApiException as e:
        print("stale replace: %d %s" % (e.status, e.reason))

    patched = core.patch_namespaced_config_map(name, namespace, {"metadata": {"labels": {"step": "two"}}})
    print("patched %s step=%s" % (patched.metadata.name, patched.metadata.labels["step"]))

    core.create_namespaced_config_map(namespace, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="py-other", labels={"suite": "python"}), data={"a": "x"}))

    def names(items):
        return ",".join(sorted(i.metadata.name for i in items))

    listed = core.list_namespaced_config_map(namespace, label_selector="suite=python")
    print("list suite=python: %s" % names(listed.items))
    listed = core.list_namespaced_config_map(namespace, label_selector="suite=python,step=two")
    print("list suite=python,step=two: %s" % names(listed.items))
    listed = core.list_namespaced_config_map(namespace, label_selector="suite=python,step!=two")
    print("list suite=python,step!=two: %s" % names(listed.items))
    listed = core.list_namespaced_config_map(namespace, field_selector="metadata.name=py-other")
    print("list metadata.name=py-other: %s" % names(listed.items))
    page = core.list_namespaced_config_map(namespace, label_selector="suite=python", limit=1)
    rest = core.list_namespaced_config_map(
        namespace, label_selector="suite=python", limit=1, _continue=page.metadata._continue)
    print("paged: %s then %s, continue-after-last=%s" % (
        names(page.items), names(rest.items), bool(rest.metadata._continue)))

    # Resume a watch from a resourceVersion taken before two more updates: both are replayed.
    start = core.read_namespaced_config_map(name, namespace).metadata.resource_version
    for value in ("3", "4"):
        core.patch_namespaced_config_map(name, namespace, {"data": {"a": value}})
    w = watch.Watch()
    seen = 0
    for event in w.stream(core.list_namespaced_config_map, namespace,
                          field_selector="metadata.name=" + name,
                          resource_version=start, timeout_seconds=20):
        obj = event["object"]
        print("watch %s %s a=%s" % (event["type"], obj.metadata.name, obj.data["a"]))
        seen += 1
        if seen == 2:
            w.stop()
    if seen != 2:
        print("watch ended after %d events" % seen)

    core.delete_namespaced_config_map(name, namespace)
    core.delete_namespaced_config_map("py-other", namespace)
    print("deleted %s" % name)
    try:
        core.read_namespaced_config_map(name, namespace)
        print("still there")
    except ApiException as e:
        print("read after delete: %d %s" % (e.status, e.reason))


if __name__ == "__main__":
    main(sys.argv[1])
