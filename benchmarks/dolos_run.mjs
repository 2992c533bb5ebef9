// Run Dolos (library, default options) over a list of files and write what it reports as TSV:
//   F <file index> <k-grams in the file>
//   P <left index> <right index> <similarity> <leftCovered> <rightCovered> <leftTotal> <rightTotal>
// Indexes refer to the order of "files" in the manifest. Pairs that share nothing are absent.
//
// usage: node dolos_run.mjs MANIFEST.json OUT.tsv
// manifest: {"language": "java"|"python"|"char", "files": [...], "ignore": path|null}
import { Dolos } from "@dodona/dolos-lib";
import { readFileSync, createWriteStream } from "node:fs";
import { resolve } from "node:path";

const [manifestPath, outPath] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const files = manifest.files.map(f => resolve(f));
const index = new Map(files.map((f, i) => [f, i]));

const dolos = new Dolos({ language: manifest.language });
const report = await dolos.analyzePaths(files, manifest.ignore ?? undefined);

const out = createWriteStream(outPath);
let buffer = [];
const flush = async () => {
  if (!out.write(buffer.join(""))) await new Promise(done => out.once("drain", done));
  buffer = [];
};
for (const entry of report.entries()) {
  buffer.push(`F\t${index.get(resolve(entry.file.path))}\t${entry.kgrams.length}\n`);
}
let count = 0;
for (const pair of report.allPairs()) {
  const l = index.get(resolve(pair.leftFile.path));
  const r = index.get(resolve(pair.rightFile.path));
  buffer.push(`P\t${l}\t${r}\t${pair.similarity}\t${pair.leftCovered}\t${pair.rightCovered}` +
              `\t${pair.leftTotal}\t${pair.rightTotal}\n`);
  count += 1;
  if (buffer.length >= 10000) await flush();
}
await flush();
out.end();
await new Promise(done => out.on("finish", done));
process.stderr.write(`dolos: ${files.length} files, ${count} pairs\n`);
