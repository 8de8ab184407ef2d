// Validates Kubernetes objects against the Kubernetes schemas without a cluster. Reads a multi-document YAML stream
// (the output of `kubectl kustomize`) on stdin, validates each object with the kubernetes-models class of its
// apiVersion and kind, and writes one JSON line per object: {"kind","name","ok","error"?}. Exit 0 when every object
// is valid, 1 when one is not, 2 when the input cannot be read at all.
import { parseAllDocuments } from "yaml";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const documents = parseAllDocuments(Buffer.concat(chunks).toString("utf8"));
let failed = 0;
for (const document of documents) {
  if (document.errors.length > 0) {
    console.error(`validate: YAML error: ${document.errors[0].message}`);
    process.exit(2);
  }
  const object = document.toJS();
  if (object === null) continue;
  const { apiVersion, kind } = object;
  const name = object.metadata?.name ?? "(no name)";
  let error;
  try {
    // Core objects are "v1"; the others "group/version", which is also the module path inside kubernetes-models.
    const models = await import(`kubernetes-models/${apiVersion}`);
    const Model = models[kind];
    if (Model === undefined) throw new Error(`kubernetes-models has no ${kind} in ${apiVersion}`);
    new Model(object).validate();
  } catch (e) {
    error = String(e.message ?? e);
  }
  if (error !== undefined) failed++;
  console.log(JSON.stringify(error === undefined ? { kind, name, ok: true } : { kind, name, ok: false, error }));
}
process.exit(failed > 0 ? 1 : 0);
