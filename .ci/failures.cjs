// Prints one line per failed test (or test file that failed to run) of a vitest JSON report, named with its suite:
// the end of the CI log is often all that is kept, and the failure itself may be thousands of lines above it.
// Usage: node .ci/failures.cjs <report.json> <suite label>
const path = require("node:path");
const [reportPath, label] = process.argv.slice(2);
let report;
try {
  report = require(path.resolve(reportPath));
} catch {
  console.log(`FAILED [${label}] no test report was written`);
  process.exit(0);
}
const firstLine = (text) => String(text ?? "").split("\n")[0].slice(0, 300);
for (const file of report.testResults ?? []) {
  const name = path.relative(process.cwd(), file.name);
  const failed = (file.assertionResults ?? []).filter((t) => t.status === "failed");
  for (const t of failed) console.log(`FAILED [${label}] ${name} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
  if (failed.length === 0 && file.status === "failed") console.log(`FAILED [${label}] ${name}: ${firstLine(file.message)}`);
}
