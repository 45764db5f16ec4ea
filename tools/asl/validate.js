#!/usr/bin/env node
// Validate many ASL definitions in one node process and print a JSON report on stdout.
//
//   node tools/asl/validate.js FILE_OR_DIR...
//
// Each FILE (or every *.json under DIR) is checked by npm asl-validator (the version package.json pins), with
// its ARN and JSONPath checks on, and by one check of our own that asl-validator does not make: every state is
// reachable from its scope's StartAt through Next / Default / Choices / Catch (asl-validator only asks that a
// state's name appears as some transition target, so a state reached only from dead states passes there).
//
// Report: {"validator": "asl-validator@<version>", "files": N, "invalid": M,
//          "results": {"<path>": [{"code": "...", "message": "..."}], ...}}   (an empty list: valid)
// Exit status: 0 when every definition is valid, 1 when one is not, 2 on a usage or read error.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { Worker, isMainThread, parentPort, workerData } = require("worker_threads");
const aslValidator = require("asl-validator");
const validatorVersion = require("asl-validator/package.json").version;

function definitionFiles(args) {
  const files = [];
  for (const arg of args) {
    if (fs.statSync(arg).isDirectory()) {
      for (const name of fs.readdirSync(arg).sort()) {
        if (name.endsWith(".json")) files.push(path.join(arg, name));
      }
    } else {
      files.push(arg);
    }
  }
  return files;
}

// States of one scope (the machine, a Parallel branch, a Map processor) not reachable from its StartAt.
function unreachable(scope, where, errors) {
  const states = scope.States || {};
  const seen = new Set();
  const stack = [scope.StartAt];
  while (stack.length) {
    const name = stack.pop();
    if (seen.has(name) || !(name in states)) continue;
    seen.add(name);
    const state = states[name];
    const targets = [state.Next, state.Default];
    for (const rule of state.Choices || []) targets.push(rule.Next);
    for (const handler of state.Catch || []) targets.push(handler.Next);
    for (const target of targets) if (typeof target === "string") stack.push(target);
  }
  for (const [name, state] of Object.entries(states)) {
    if (!seen.has(name)) {
      errors.push({ code: "UNREACHABLE_FROM_START", message: `State ${name} (${where}) is not reachable from ${scope.StartAt}` });
    }
    for (const [i, branch] of (state.Branches || []).entries()) unreachable(branch, `${name} branch ${i}`, errors);
    const processor = state.ItemProcessor || state.Iterator;
    if (processor) unreachable(processor, `${name} processor`, errors);
  }
}

function check(definition) {
  // asl-validator writes QueryLanguage into the states it checks: give it a copy.
  const { errors } = aslValidator(JSON.parse(JSON.stringify(definition)), { checkArn: true, checkPaths: true });
  const found = errors.map((e) => ({ code: e["Error code"], message: e.Message }));
  if (found.length === 0) unreachable(definition, "machine", found);
  return found;
}

function checkFiles(files) {
  const results = {};
  for (const file of files) {
    try {
      results[file] = check(JSON.parse(fs.readFileSync(file, "utf8")));
    } catch (err) {
      results[file] = [{ code: "UNREADABLE", message: String(err && err.message ? err.message : err) }];
    }
  }
  return results;
}

// asl-validator compiles its JSON schemas anew for every definition (~70 ms each): spread the files over
// one worker thread per core.
function checkInWorkers(files) {
  const count = Math.max(1, Math.min(os.availableParallelism ? os.availableParallelism() : os.cpus().length, Math.ceil(files.length / 8)));
  const chunks = Array.from({ length: count }, (_, i) => files.filter((_, j) => j % count === i));
  return Promise.all(
    chunks.map(
      (chunk) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(__filename, { workerData: chunk });
          worker.once("message", resolve);
          worker.once("error", reject);
        }),
    ),
  ).then((parts) => Object.assign({}, ...parts));
}

async function main(argv) {
  if (argv.length === 0) {
    process.stderr.write("usage: validate.js FILE_OR_DIR...\n");
    return 2;
  }
  let files;
  try {
    files = definitionFiles(argv);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  const found = await checkInWorkers(files);
  const results = {};
  for (const file of files) results[file] = found[file]; // in the order given
  const invalid = files.filter((file) => results[file].length).length;
  const report = { validator: `asl-validator@${validatorVersion}`, files: files.length, invalid, results };
  process.stdout.write(JSON.stringify(report, null, 1) + "\n");
  return invalid ? 1 : 0;
}

if (isMainThread) {
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (err) => {
      process.stderr.write(`${err.stack || err}\n`);
      process.exitCode = 2;
    },
  );
} else {
  parentPort.postMessage(checkFiles(workerData));
}
