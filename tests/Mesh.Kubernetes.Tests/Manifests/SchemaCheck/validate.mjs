// Validates every object of the YAML files given as arguments against the JSON schema of its kind: Kubernetes' own
// kinds with kubernetes-models (a current Kubernetes API), cert-manager's with @kubernetes-models/cert-manager.
// Prints one line per object, "ok <apiVersion> <kind> <name>" or "invalid <apiVersion> <kind> <name>: <errors>",
// and exits 1 when any object is invalid or of a kind it has no schema for.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

function moduleOf(apiVersion) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "") {
    return `kubernetes-models/${version}`;
  }

  if (group.endsWith("cert-manager.io")) {
    return `@kubernetes-models/cert-manager/${group}/${version}`;
  }

  return `kubernetes-models/${group}/${version}`;
}

let failed = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      console.log(`invalid ${file}: ${document.errors.map(e => e.message).join("; ")}`);
      failed++;
      continue;
    }

    const item = document.toJS();
    if (item === null) {
      continue;
    }

    const label = `${item.apiVersion} ${item.kind} ${item.metadata?.name}`;
    let model;
    try {
      model = (await import(moduleOf(item.apiVersion)))[item.kind];
    } catch {
      model = undefined;
    }

    if (model === undefined) {
      console.log(`invalid ${label}: no schema for this kind`);
      failed++;
      continue;
    }

    try {
      new model(item).validate();
      console.log(`ok ${label}`);
    } catch (error) {
      const details = (error.errors ?? []).map(e => `${e.instancePath} ${e.message}`).join("; ");
      console.log(`invalid ${label}: ${details || error.message}`);
      failed++;
    }
  }
}

process.exit(failed === 0 ? 0 : 1);
